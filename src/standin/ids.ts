/**
 * Identifier factory: every id the stand-in hands out, in the formats Slack uses, unique within one stand-in.
 */
import { randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MIXED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomFrom(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/** Makes Slack-shaped ids; message timestamps strictly increase. */
export class IdFactory {
  private lastTsMicros = 0;
  private counter = 0;

  /** @param now clock in milliseconds since the epoch. */
  constructor(private readonly now: () => number) {}

  /**
   * A message timestamp, `"<seconds>.<6-digit microseconds>"` (e.g. `1700000000.000100`), unique and strictly
   * increasing, as Slack's `ts` values are within a channel.
   */
  messageTs(): string {
    const micros = Math.max(Math.floor(this.now() * 1000), this.lastTsMicros + 1);
    this.lastTsMicros = micros;
    const seconds = Math.floor(micros / 1_000_000);
    return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}`;
  }

  /** A trigger id, `"<seconds>.<digits>.<32 hex>"` like Slack's `13345224609.738474920.8088930838d88f008e0`. */
  triggerId(): string {
    this.counter += 1;
    return `${Math.floor(this.now() / 1000)}.${100000 + this.counter}.${randomBytes(16).toString('hex')}`;
  }

  /** A view id, `V` + 10 upper-case alphanumerics. */
  viewId(): string {
    return `V${randomFrom(ALPHANUMERIC, 10)}`;
  }

  /** A view hash, `"<seconds>.<8 mixed-case alphanumerics>"` like `1569262015.55b5e41b`. */
  viewHash(): string {
    return `${Math.floor(this.now() / 1000)}.${randomFrom(MIXED, 8)}`;
  }

  /** A direct-message conversation id, `D` + 10 alphanumerics. */
  imId(): string {
    return `D${randomFrom(ALPHANUMERIC, 10)}`;
  }

  /** A multi-person direct-message id, `G` + 10 alphanumerics. */
  mpimId(): string {
    return `G${randomFrom(ALPHANUMERIC, 10)}`;
  }

  /** A file id, `F` + 10 alphanumerics. */
  fileId(): string {
    return `F${randomFrom(ALPHANUMERIC, 10)}`;
  }

  /** The secret part of an upload URL (32 hex characters): only the app that asked for it knows it. */
  uploadKey(): string {
    return randomBytes(16).toString('hex');
  }

  /** An Events API event id, `Ev` + 10 alphanumerics. */
  eventId(): string {
    return `Ev${randomFrom(ALPHANUMERIC, 10)}`;
  }

  /** A Socket Mode envelope id (a UUID, as Slack sends). */
  envelopeId(): string {
    const hex = randomBytes(16).toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }

  /** An opaque, unguessable token for response_urls and WebSocket tickets. */
  secret(): string {
    return randomBytes(18).toString('base64url');
  }

  /** A bot token as Slack mints one at install, `xoxb-<digits>-<digits>-<24 alphanumerics>`. */
  botToken(): string {
    return `xoxb-${this.digits(12)}-${this.digits(13)}-${randomFrom(MIXED, 24)}`;
  }

  /** An expiring bot access token of token rotation, `xoxe.xoxb-1-<random>`. */
  rotatingBotToken(): string {
    return `xoxe.xoxb-1-${randomFrom(MIXED, 48)}`;
  }

  /** A single-use refresh token of token rotation, `xoxe-1-<random>`. */
  refreshToken(): string {
    return `xoxe-1-${randomFrom(MIXED, 48)}`;
  }

  /** A temporary OAuth code as Slack puts it in the redirect, `<digits>.<digits>.<64 hex>`. */
  oauthCode(): string {
    return `${this.digits(10)}.${this.digits(13)}.${randomBytes(32).toString('hex')}`;
  }

  private digits(count: number): string {
    return randomFrom('0123456789', count);
  }

  /** A block id or action id as Slack generates when the app leaves one out (short mixed-case string). */
  shortId(): string {
    return randomFrom(MIXED, 5);
  }
}
