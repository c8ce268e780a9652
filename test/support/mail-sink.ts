/**
 * A real SMTP peer for tests: `smtp-server` on 127.0.0.1, every received message parsed with `mailparser`. It can
 * be started on a fixed port later (to play "SMTP down, then back").
 */
import { createServer, type Server } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface MailSink {
  port: number;
  url: string;
  received: ParsedMail[];
  /** The envelope recipients (RCPT TO, as sent on the wire) of each received mail, in order. */
  envelopes: string[][];
  /** Starts listening (again) on `port`. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** A port nobody listens on right now (bound on 0, then released). */
export async function freePort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** An SMTP reply a sink gives instead of accepting a recipient: `code` 550 (permanent), 451 (temporary) … */
export interface SinkRefusal {
  code: number;
  message: string;
}

/**
 * Creates a sink on a free port; `start()` it when SMTP should be up.
 * @param options `refuse` decides per recipient (RCPT TO) whether to refuse it with an SMTP reply; it can be
 *   changed later through the returned sink's `refuse`
 */
export async function mailSink(
  options: { refuse?: (address: string) => SinkRefusal | null } = {},
): Promise<MailSink & { refuse: (address: string) => SinkRefusal | null }> {
  const port = await freePort();
  let server: SMTPServer | undefined;
  const sink: MailSink & { refuse: (address: string) => SinkRefusal | null } = {
    refuse: options.refuse ?? (() => null),
    port,
    url: `smtp://127.0.0.1:${port}`,
    received: [],
    envelopes: [],
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        onRcptTo(address, _session, callback) {
          const refusal = sink.refuse(address.address);
          if (!refusal) return callback();
          callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        },
        onData(stream, session, callback) {
          simpleParser(stream)
            .then((mail) => {
              sink.received.push(mail);
              sink.envelopes.push(session.envelope.rcptTo.map((r) => r.address));
              callback();
            })
            .catch((err: Error) => callback(err));
        },
      });
      const s = server;
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  return sink;
}
