/**
 * Where mail goes: a {@link MailSender}. The SMTP sender delivers over SMTP with nodemailer; the callback sender
 * hands each mail to a function (console mode prints it; tests collect it).
 */
import nodemailer from 'nodemailer';

/** One mail, ready to send. `messageId` is the RFC 5322 Message-ID, angle brackets included. */
export interface OutgoingMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/**
 * Sends mail. `send` resolves once the mail is accepted for delivery and throws when it was not; an error carrying
 * `responseCode` (the SMTP reply code) and `response` (the reply line) is classified by {@link classifySendFailure}.
 */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  /** Releases connections; optional. */
  close?(): Promise<void> | void;
}

/**
 * How a failed send should be treated (RFC 5321 §4.2.1): a 5yz reply is a permanent negative completion — sending
 * the same mail again will fail the same way, so it is final; a 4yz reply (transient negative), a timeout, a
 * refused or dropped connection may pass later, so it is retried.
 */
export interface SendFailure {
  permanent: boolean;
  /** The SMTP reply code when the server gave one (550, 451 …). */
  responseCode: number | null;
  /** Why, in one line, fit to show an Admin: the server's reply or the connection error; no credentials. */
  reason: string;
}

/** An error from a {@link MailSender}, possibly carrying an SMTP reply (as nodemailer's errors do). */
interface SmtpErrorShape {
  message?: unknown;
  responseCode?: unknown;
  response?: unknown;
  code?: unknown;
}

/**
 * Classifies what a {@link MailSender} threw: permanent when the SMTP server answered with a 5yz reply code, else
 * temporary (4yz replies, timeouts, connection errors, anything unknown). A 5yz answer to our login (nodemailer's
 * `EAUTH`) is the exception: it is about the server's credentials in `SMTP_URL`, not about the mail, so it is
 * retried like a temporary failure.
 */
export function classifySendFailure(err: unknown): SendFailure {
  const e: SmtpErrorShape = typeof err === 'object' && err !== null ? (err as SmtpErrorShape) : {};
  const code = typeof e.responseCode === 'number' ? e.responseCode : null;
  const reply = typeof e.response === 'string' ? e.response.replace(/\s+/g, ' ').trim() : '';
  const message = typeof e.message === 'string' ? e.message : String(err);
  const reason = reply ? `the mail server answered: ${reply}` : message.replace(/\s+/g, ' ').trim();
  // A refused login (535 …) is about our SMTP_URL, not this mail: it stays retryable while the operator fixes it.
  const login = e.code === 'EAUTH';
  return { permanent: !login && code !== null && code >= 500 && code < 600, responseCode: code, reason };
}

/** Milliseconds the SMTP sender waits to connect, for the greeting, and for each command's answer. */
export const SMTP_TIMEOUT_MS = 10_000;

/**
 * Sends over SMTP with nodemailer (`smtp://user:pass@host:port` or `smtps://…`, as in `SMTP_URL`). A mail counts as
 * sent once the server accepted it for every recipient; a refused recipient throws.
 */
export class SmtpMailSender implements MailSender {
  private readonly transport: nodemailer.Transporter;

  constructor(smtpUrl: string, options: { timeoutMs?: number } = {}) {
    const timeout = options.timeoutMs ?? SMTP_TIMEOUT_MS;
    const url = new URL(smtpUrl);
    this.transport = nodemailer.createTransport({
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      ...(url.username
        ? { auth: { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } }
        : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
    });
  }

  async send(mail: OutgoingMail): Promise<void> {
    const info = await this.transport.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
      messageId: mail.messageId,
    });
    const rejected = info.rejected ?? [];
    if (rejected.length > 0) {
      // Some recipients refused at RCPT: nodemailer keeps each refusal's reply in `rejectedErrors`.
      const first = (info as { rejectedErrors?: SmtpErrorShape[] }).rejectedErrors?.[0];
      throw Object.assign(new Error(`the SMTP server refused ${rejected.length} recipient(s)`), {
        responseCode: typeof first?.responseCode === 'number' ? first.responseCode : undefined,
        response: typeof first?.response === 'string' ? first.response : undefined,
      });
    }
  }

  close(): void {
    this.transport.close();
  }
}

/** Hands each mail to `deliver` (console mode prints it; tests keep it). */
export class CallbackMailSender implements MailSender {
  constructor(private readonly deliver: (mail: OutgoingMail) => Promise<void> | void) {}

  async send(mail: OutgoingMail): Promise<void> {
    await this.deliver(mail);
  }
}
