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

/** Sends mail. `send` resolves once the mail is accepted for delivery and throws when it was not. */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  /** Releases connections; optional. */
  close?(): Promise<void> | void;
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
    if (rejected.length > 0) throw new Error(`the SMTP server refused ${rejected.length} recipient(s)`);
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
