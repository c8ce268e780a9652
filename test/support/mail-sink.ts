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
  /** When each received mail was accepted (epoch milliseconds), in order. */
  receivedAt: number[];
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

/** What a sink can be told to do besides accepting mail (see {@link mailSink}). */
export interface SinkBehaviour {
  /** Decides per recipient (RCPT TO) whether to refuse it with an SMTP reply. */
  refuse: (address: string) => SinkRefusal | null;
  /**
   * Decides per message (by its envelope recipients) whether to hang after its data: the message is read but never
   * answered, as a server that stopped responding (the client's socket timeout ends the exchange); such a message
   * is not in `received`.
   */
  stall: (recipients: string[]) => boolean;
  /** The envelope recipients of each message stalled so far, in order. */
  stalled: string[][];
}

/**
 * Creates a sink on a free port; `start()` it when SMTP should be up.
 * @param options `refuse` and `stall` (see {@link SinkBehaviour}); both can be changed later through the returned
 *   sink
 */
export async function mailSink(
  options: Partial<Pick<SinkBehaviour, 'refuse' | 'stall'>> = {},
): Promise<MailSink & SinkBehaviour> {
  const port = await freePort();
  let server: SMTPServer | undefined;
  const sink: MailSink & SinkBehaviour = {
    refuse: options.refuse ?? (() => null),
    stall: options.stall ?? (() => false),
    stalled: [],
    port,
    url: `smtp://127.0.0.1:${port}`,
    received: [],
    envelopes: [],
    receivedAt: [],
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
          const recipients = session.envelope.rcptTo.map((r) => r.address);
          if (sink.stall(recipients)) {
            sink.stalled.push(recipients);
            stream.resume();
            return; // never answered
          }
          simpleParser(stream)
            .then((mail) => {
              sink.received.push(mail);
              sink.envelopes.push(session.envelope.rcptTo.map((r) => r.address));
              sink.receivedAt.push(Date.now());
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
