/**
 * What the domain logs through: the one call it makes of a structured logger (pino's `warn(details, message)`), so
 * the domain depends on no logging library and on no outer ring; the composition root passes the app's logger.
 */
export interface DomainLogger {
  /** Logs something that went wrong without failing the caller; `details` are JSON fields (an `err`, ids). */
  warn(details: Record<string, unknown>, message: string): void;
}
