import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EntityManager } from '@mikro-orm/core';
import { AUDIT_ACTIONS, isAuditAction } from '../../domain/audit/actions.js';
import { type AuditFilter, AuditService } from '../../domain/audit/audit.service.js';
import type { AuditEvent } from '../../domain/audit/audit-event.entity.js';
import { type AuditExportRecord, auditExportRecord } from '../../domain/audit/audit-export.js';
import { truncateGraphemes } from '../../domain/graphemes.js';
import type { Organization } from '../../domain/organizations/organization.entity.js';
import type { Logger } from '../../logger.js';
import { sendJson } from '../oauth/http-util.js';

/** The scope a token needs for `GET /api/v1/audit-events` (issue 14). */
export const AUDIT_SCOPE = 'audit:read';
/** Events per page when `limit` is not given. */
export const AUDIT_DEFAULT_LIMIT = 100;
/** Largest `limit`. */
export const AUDIT_MAX_LIMIT = 1000;
/** Events read from the database per batch of the NDJSON stream. */
export const AUDIT_STREAM_BATCH = 1000;
/** Media type of the stream: one JSON object per line (https://github.com/ndjson/ndjson-spec). */
export const NDJSON = 'application/x-ndjson';

/** Headers of the NDJSON stream (and of its HEAD). */
const STREAM_HEADERS = { 'content-type': NDJSON, 'cache-control': 'no-store' };
/** Query parameters of the route; any other is refused, so that a misspelt filter never widens the answer. */
const PARAMETERS = ['limit', 'cursor', 'since', 'until', 'action', 'actor'] as const;

/** A 400 answer of this route: `error` code, message for people, the parameter at fault. */
class QueryError extends Error {
  constructor(
    readonly error: 'invalid_request' | 'invalid_cursor',
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** What a request asks for, validated. */
interface AuditQuery {
  filter: AuditFilter;
  afterSeq: string | null;
  limit: number | null;
}

/** One audit event as the API shows it: the shape of an export's line, and its cursor. */
export interface AuditEventJson extends AuditExportRecord {
  /** The cursor after this event: a later request with it reads on from here (how a poller resumes). */
  cursor: string;
}

/**
 * The cursor after the event numbered `seq`: base64url of `a1.<seq>` — opaque to clients, versioned for us. It names
 * a position in the organization's log, nothing else; the filters travel in the `next` link beside it.
 */
export function encodeCursor(seq: string): string {
  return Buffer.from(`a1.${seq}`, 'utf8').toString('base64url');
}

/**
 * The `seq` a cursor of {@link encodeCursor} holds.
 * @throws QueryError `invalid_cursor` for anything else
 */
function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^a1\.([1-9][0-9]{0,17})$/.exec(text);
  if (!match?.[1] || encodeCursor(match[1]) !== cursor) {
    throw new QueryError(
      'invalid_cursor',
      'cursor is not one this API gave: pass next_cursor (or the Link rel="next" URL) unchanged.',
      'cursor',
    );
  }
  return match[1];
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * An RFC 3339 `date-time` (RFC 3339 §5.6: full date, `T`, time with seconds, `Z` or a numeric offset), checked
 * field by field (no 30 February, no hour 24). Fractions beyond milliseconds are cut.
 * @throws QueryError `invalid_request` naming `field`
 */
function rfc3339(value: string, field: string): Date {
  const m = RFC3339.exec(value);
  const fail = () =>
    new QueryError(
      'invalid_request',
      `${field} must be an RFC 3339 date-time such as 2026-12-01T00:00:00Z (got "${truncateGraphemes(value, 40)}").`,
      field,
    );
  if (!m) throw fail();
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const offsetHours = m[10] === undefined ? 0 : Number(m[10]);
  const offsetMinutes = m[11] === undefined ? 0 : Number(m[11]);
  const date = new Date(Date.UTC(year, month - 1, day));
  const validDay =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  if (!validDay || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59)
    throw fail();
  const sign = m[9] === '-' ? -1 : 1;
  const millis = m[7] ? Number(m[7].slice(1, 4).padEnd(3, '0')) : 0;
  return new Date(
    Date.UTC(year, month - 1, day, hour, minute, second, millis) -
      sign * (offsetHours * 60 + offsetMinutes) * 60_000,
  );
}

/**
 * The query of a request, validated: each parameter at most once and known.
 * @throws QueryError the first fault found
 */
function parseQuery(params: URLSearchParams, stream: boolean): AuditQuery {
  for (const key of new Set(params.keys())) {
    const shown = truncateGraphemes(key, 40);
    if (!(PARAMETERS as readonly string[]).includes(key)) {
      throw new QueryError(
        'invalid_request',
        `Unknown parameter "${shown}": use ${PARAMETERS.join(', ')}.`,
        shown,
      );
    }
    if (params.getAll(key).length > 1) {
      throw new QueryError('invalid_request', `${shown} is given more than once; give it once.`, shown);
    }
  }
  const filter: AuditFilter = {};
  const since = params.get('since');
  const until = params.get('until');
  if (since !== null) filter.since = rfc3339(since, 'since');
  if (until !== null) filter.until = rfc3339(until, 'until');
  if (filter.since && filter.until && filter.since >= filter.until) {
    throw new QueryError('invalid_request', 'since must be before until.', 'until');
  }
  const action = params.get('action');
  if (action !== null) {
    if (!isAuditAction(action)) {
      throw new QueryError(
        'invalid_request',
        `Unknown action "${truncateGraphemes(action, 60)}"; the actions are: ${AUDIT_ACTIONS.join(', ')}.`,
        'action',
      );
    }
    filter.action = action;
  }
  const actor = params.get('actor');
  if (actor !== null) {
    if (/^[UW][A-Z0-9]{2,20}$/.test(actor)) filter.actor = { slackUserId: actor };
    else if (/^cli_[a-z2-7]{20}$/.test(actor)) filter.actor = { clientId: actor };
    else {
      throw new QueryError(
        'invalid_request',
        `actor must be a Slack user id (U…) or an API client id (cli_…) (got "${truncateGraphemes(actor, 40)}").`,
        'actor',
      );
    }
  }
  const cursor = params.get('cursor');
  const afterSeq = cursor === null ? null : decodeCursor(cursor);
  const limitText = params.get('limit');
  if (limitText !== null && stream) {
    throw new QueryError(
      'invalid_request',
      `limit does not apply to the ${NDJSON} stream, which sends every matching event; leave it out.`,
      'limit',
    );
  }
  let limit: number | null = null;
  if (limitText !== null) {
    limit = /^[1-9][0-9]{0,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit <= AUDIT_MAX_LIMIT)) {
      throw new QueryError(
        'invalid_request',
        `limit must be a whole number from 1 to ${AUDIT_MAX_LIMIT}.`,
        'limit',
      );
    }
  }
  return { filter, afterSeq, limit };
}

/**
 * An event as the API shows it ({@link auditExportRecord}: the same shape as a line of a Slack export). Each
 * event carries its own cursor, so that a client that stored the last event it read (of a page or of a stream)
 * can read on from there later.
 */
export function auditEventJson(event: AuditEvent): AuditEventJson {
  return { ...auditExportRecord(event), cursor: encodeCursor(String(event.seq)) };
}

/** The media types of newline-delimited JSON: the registered-in-practice `x-` form and the newer name. */
const NDJSON_TYPES = new Set([NDJSON, 'application/ndjson']);

/**
 * Whether the `Accept` header asks for NDJSON (RFC 9110 §12.5.1): a range naming it (`application/x-ndjson` or
 * `application/ndjson`) with a q-value above 0. A `q=0` range refuses it.
 */
function wantsNdjson(req: IncomingMessage): boolean {
  const accept = req.headers.accept ?? '';
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    if (!NDJSON_TYPES.has(type)) return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * `GET /api/v1/audit-events` (issue 14 §4): the organization's audit events, oldest first, in the order their
 * changes committed.
 *
 * Query: `since`, `until` (RFC 3339; since ≤ time < until), `action` (one of AUDIT_ACTIONS), `actor` (Slack user id
 * or API client id), `cursor` (a `next_cursor` of an earlier answer), `limit` (1–1000, default 100).
 *
 * - JSON (default): `{ data: [event…], next_cursor: string | null }` and, when there is more, a
 *   `Link: <…>; rel="next"` header (RFC 8288) whose URL keeps the filters and limit. Cursors follow a key that
 *   grows in commit order, so paging on while events are written shows each event once and skips none.
 * - `Accept: application/x-ndjson`: every matching event (after `cursor`, if given), one JSON object per line,
 *   read {@link AUDIT_STREAM_BATCH} at a time and written with backpressure: memory holds one batch, and a client
 *   that goes away stops the reading.
 *
 * Bad input answers 400 `{ error: "invalid_request" | "invalid_cursor", message, field }` before anything is read.
 * HEAD (RFC 9110 §9.3.2) gets the headers of either form; the stream's without reading any event.
 * A failure after the stream began cuts the connection (the client sees a stream without its end).
 */
export async function auditEventsRoute(
  req: IncomingMessage,
  res: ServerResponse,
  deps: { em: EntityManager; organization: Organization; url: URL; logger: Logger },
): Promise<void> {
  const stream = wantsNdjson(req);
  let query: AuditQuery;
  try {
    query = parseQuery(deps.url.searchParams, stream);
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    sendJson(res, 400, { error: err.error, message: err.message, field: err.field });
    return;
  }
  const audit = new AuditService(deps.em);
  if (stream && req.method === 'HEAD') {
    // The stream's headers without reading a single event: HEAD has no body to fill.
    res.writeHead(200, STREAM_HEADERS);
    res.end();
    return;
  }
  if (stream) {
    await streamEvents(res, audit, deps.organization, query, deps.logger);
    return;
  }
  const limit = query.limit ?? AUDIT_DEFAULT_LIMIT;
  const events = await audit.after(deps.organization, query.filter, query.afterSeq, limit + 1);
  const page = events.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = events.length > limit && last?.seq ? encodeCursor(String(last.seq)) : null;
  const headers: Record<string, string> = {};
  if (nextCursor !== null) {
    const next = new URLSearchParams(deps.url.searchParams);
    next.set('cursor', nextCursor);
    headers.link = `<${deps.url.pathname}?${next.toString()}>; rel="next"`;
  }
  sendJson(res, 200, { data: page.map(auditEventJson), next_cursor: nextCursor }, headers);
}

/** Writes every matching event as NDJSON, batch by batch, waiting for 'drain' when the socket's buffer is full. */
async function streamEvents(
  res: ServerResponse,
  audit: AuditService,
  organization: Organization,
  query: AuditQuery,
  logger: Logger,
): Promise<void> {
  let gone = false;
  const onClose = () => {
    gone = true;
  };
  res.on('close', onClose);
  res.writeHead(200, STREAM_HEADERS);
  let after = query.afterSeq;
  let sent = 0;
  try {
    while (!gone) {
      const batch = await audit.after(organization, query.filter, after, AUDIT_STREAM_BATCH);
      if (batch.length === 0 || gone) break;
      const text = `${batch.map((event) => JSON.stringify(auditEventJson(event))).join('\n')}\n`;
      after = String(batch.at(-1)?.seq);
      sent += batch.length;
      if (!res.write(text)) await drained(res);
      if (batch.length < AUDIT_STREAM_BATCH) break;
    }
    if (gone) logger.info({ events: sent }, 'audit event stream ended early: the client went away');
    else res.end();
  } catch (err) {
    logger.error({ err }, 'audit event stream failed');
    res.destroy();
  } finally {
    res.off('close', onClose);
  }
}

/** Resolves on the response's 'drain', or on its 'close' (the client went away), or at once when it is closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed || res.closed) {
      resolve();
      return;
    }
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
