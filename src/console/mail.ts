/**
 * Mail in console mode: nothing is sent; each mail is printed in the terminal (DESIGN.md §4: "console mode prints
 * mail"), with the invitation link the recipient would click. The terminal is the reader's own screen, not a log.
 */
import { CallbackMailSender, type MailSender, type OutgoingMail } from '../mail/mail-sender.js';

/** A mail as printed: its headers and plain-text body in a frame. */
export function renderMail(mail: OutgoingMail): string[] {
  return [
    `┌─ Mail to ${mail.to} (printed, not sent)`,
    `│ From: ${mail.from}`,
    `│ To: ${mail.to}`,
    `│ Subject: ${mail.subject}`,
    '│',
    ...mail.text.split('\n').map((line) => `│ ${line}`.trimEnd()),
    '└─ end of mail',
  ];
}

/** A {@link MailSender} that prints each mail with `print` and counts it as sent. */
export function consoleMailSender(print: (lines: string[]) => void): MailSender {
  return new CallbackMailSender((mail) => print(renderMail(mail)));
}
