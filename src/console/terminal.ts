/**
 * The console's two ends: lines in (readline, a terminal or a pipe) and text out. Lines are queued as they arrive
 * and handed out one at a time, so a command's output is all printed before the next line is looked at. On a
 * terminal a prompt is shown, and output arriving while the prompt waits is printed above it. Piped input is echoed
 * (`> line`) as it is read, so a transcript lines up with its script.
 */
import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';

/** Reads lines and prints output; see the module comment. */
export class Terminal {
  /** True when input is a terminal (prompts, questions); false for piped input. */
  readonly interactive: boolean;
  private readonly rl: Interface;
  private readonly queue: string[] = [];
  private waiting: ((line: string | null) => void) | undefined;
  private closed = false;
  private prompting = false;

  /**
   * @param interactive show prompts and ask questions (normally: the input is a TTY)
   */
  constructor(
    input: NodeJS.ReadableStream,
    private readonly output: NodeJS.WritableStream,
    interactive: boolean,
  ) {
    this.interactive = interactive;
    this.rl = interactive
      ? createInterface({ input, output, terminal: true })
      : createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
    this.rl.on('line', (line) => {
      const waiter = this.waiting;
      if (waiter) {
        this.waiting = undefined;
        this.prompting = false;
        this.echo(line);
        waiter(line);
      } else {
        this.queue.push(line);
      }
    });
    this.rl.on('close', () => {
      this.closed = true;
      const waiter = this.waiting;
      this.waiting = undefined;
      this.prompting = false;
      waiter?.(null);
    });
    // Ctrl-C at the prompt ends the session like end of input does.
    this.rl.on('SIGINT', () => this.rl.close());
  }

  /**
   * The next line, or null at end of input.
   * @param prompt shown first on a terminal (ignored for piped input)
   */
  read(prompt: string): Promise<string | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) {
      this.echo(queued);
      return Promise.resolve(queued);
    }
    if (this.closed) return Promise.resolve(null);
    if (this.interactive) {
      this.rl.setPrompt(prompt);
      this.rl.prompt();
      this.prompting = true;
    }
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /**
   * True when lines typed (or pasted) ahead are waiting to be read: they were meant as commands, so a question asked
   * now must not take one of them as its answer.
   */
  get hasTypeAhead(): boolean {
    return this.queue.length > 0;
  }

  /** Echoes a piped line (not blank ones) before its output; a terminal shows what was typed by itself. */
  private echo(line: string): void {
    if (!this.interactive && line.trim() !== '') this.output.write(`> ${line}\n`);
  }

  /** Prints lines (each ended by a newline), above the prompt if one is waiting. */
  print(lines: string | readonly string[]): void {
    const text = (typeof lines === 'string' ? [lines] : lines).map((l) => `${l}\n`).join('');
    if (this.prompting) {
      clearLine(this.output, 0);
      cursorTo(this.output, 0);
      this.output.write(text);
      this.rl.prompt(true);
      return;
    }
    this.output.write(text);
  }

  /** Stops reading input (lets the process exit). */
  close(): void {
    this.rl.close();
  }
}
