/**
 * The invitation page, `/invitations/<token>` (DESIGN.md §2): a GET shows the invitation (organization, role,
 * inviter, expiry) with an Accept / Decline form; only the form's POST (`decision=accept|decline`,
 * `application/x-www-form-urlencoded`) acts, because mail scanners follow links. Everything shown is HTML-escaped.
 * The form must hold exactly one field, `decision`, once: anything else is refused (400) and changes nothing.
 *
 * By HTTP's rules (RFC 9110) and the README's table, checked in this order: a path that is not exactly
 * `/invitations/<token>` (a trailing slash, a percent-encoded character), a malformed or an unknown token is 404 on
 * every method; then each final state answers one status on every method — revoked or expired 410 Gone, already
 * accepted or declined 409 Conflict — whatever the method or the form; then, for an open invitation, a method other
 * than GET, HEAD, POST is 405 with `Allow`; a POST with a query string is 400, with another media type or charset
 * than UTF-8 form encoding 415, with a body over 4 KiB 413, with any form but `decision=accept|decline` 400; and a
 * GET or a good POST 200. GET and HEAD ignore query parameters (link trackers add them; showing the page changes
 * nothing). HEAD answers as GET, without the body.
 * Once answered, the invitee's Slack DM (if one was sent) is updated to show the outcome, as after a click on its
 * buttons. The token is never logged: log lines name the invitation id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import { displayEmail } from '../../domain/email.js';
import { DomainError } from '../../domain/errors.js';
import { truncateGraphemes } from '../../domain/graphemes.js';
import type { Invitation, InvitationStatus } from '../../domain/invitations/invitation.entity.js';
import { InvitationsService } from '../../domain/invitations/invitations.service.js';
import type { InvitationPorts } from '../../domain/invitations/ports.js';
import type { InvitationSettings } from '../../domain/invitations/settings.js';
import { INVITATION_TOKEN_PATTERN } from '../../domain/invitations/token.js';
import { roleWithArticle } from '../../domain/members/member.entity.js';
import { BodyTooLargeError, readBody } from '../../lib/http-body.js';
import type { Logger } from '../../logger.js';
import { escapeHtml, formatUtc } from '../../mail/invitation-mail.js';
import { mediaType } from '../oauth/http-util.js';
import { invitationPageError } from './error-texts.js';

/** A request as Bolt's custom routes hand it over: with the path parameters. */
type RouteRequest = IncomingMessage & { params?: Record<string, string | string[] | undefined> };

/** Largest form body accepted, in bytes. */
const MAX_BODY_BYTES = 4096;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** Where the page lives: `/invitations/<token>`, exactly (no trailing slash, no other spelling). */
const PAGE_PATH = /^\/invitations\/([^/]*)$/;

/**
 * The token of a request for the page, read from the path as sent: `/invitations/<token>` exactly, the token in
 * its own alphabet (base64url, so nothing in it is percent-encoded). Any other spelling of the address — a trailing
 * slash, a percent-encoded character, an extra segment — is no address of an invitation, so it answers 404 like
 * any unknown path (the router forgives one trailing slash and decodes parameters; the page does not).
 * @returns the token, or '' when the path is not exactly the page's
 */
function tokenOf(req: IncomingMessage): string {
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const token = PAGE_PATH.exec(query < 0 ? url : url.slice(0, query))?.[1];
  return token !== undefined && INVITATION_TOKEN_PATTERN.test(token) ? token : '';
}

/** The methods the page answers; anything else is 405 with this list in `Allow` (RFC 9110 §15.5.6). */
const ALLOWED_METHODS = ['GET', 'HEAD', 'POST'];

/**
 * The status of each final state, the same on every method (RFC 9110): gone for good — revoked, expired (and
 * denied, which never had a link) — is 410 Gone; already answered — accepted, declined — is 409 Conflict.
 */
export const FINAL_STATE_STATUS: Record<Exclude<InvitationStatus, 'pending' | 'requested'>, number> = {
  revoked: 410,
  expired: 410,
  denied: 410,
  accepted: 409,
  declined: 409,
};

function closedPage(res: ServerResponse, status: InvitationStatus, head: boolean): void {
  const code = status === 'pending' || status === 'requested' ? 410 : FINAL_STATE_STATUS[status];
  page(
    res,
    code,
    code === 409 ? 'Invitation already answered' : 'Invitation closed',
    `<p>${escapeHtml(CLOSED_TEXT[status] ?? 'This invitation is no longer open.')}</p>`,
    head,
  );
}

function plain(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS, ...headers });
  res.end(`${text}\n`);
}

/**
 * Reads and checks a POST to the page, as strictly as the token endpoint reads its own: no query string (the form
 * is the only input), `application/x-www-form-urlencoded` (a `charset` parameter, if any, must be UTF-8), a body
 * within {@link MAX_BODY_BYTES}, and exactly one field `decision` ({@link formDecision}).
 * @returns the decision, or the status (400, 413, 415) and why
 */
async function readDecision(
  req: RouteRequest,
): Promise<{ decision: 'accept' | 'decline' } | { status: number; text: string }> {
  const query = (req.url ?? '').indexOf('?');
  if (query >= 0) {
    return { status: 400, text: 'The address takes no parameters when answering; send the form alone.' };
  }
  const type = mediaType(req);
  if (type !== 'application/x-www-form-urlencoded') {
    return { status: 415, text: 'Send the form as application/x-www-form-urlencoded.' };
  }
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
  if (charset && charset.toLowerCase() !== 'utf-8') {
    return { status: 415, text: 'Send the form in UTF-8.' };
  }
  let body: Buffer;
  try {
    body = await readBody(req, MAX_BODY_BYTES);
  } catch (err) {
    if (err instanceof BodyTooLargeError) return { status: 413, text: 'The form is too large.' };
    throw err;
  }
  const parsed = formDecision(new URLSearchParams(body.toString('utf8')));
  return 'refusal' in parsed ? { status: 400, text: parsed.refusal } : parsed;
}

function page(
  res: ServerResponse,
  status: number,
  title: string,
  body: string,
  head = false,
  headers: Record<string, string> = {},
): void {
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    `<title>${escapeHtml(title)} — AstroBee</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}',
    'button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}</style>',
    `</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
  ].join('');
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS, ...headers });
  res.end(head ? undefined : html);
}

const CLOSED_TEXT: Record<string, string> = {
  accepted: 'This invitation was already accepted.',
  declined: 'This invitation was declined.',
  revoked: 'This invitation was withdrawn by an admin of the organization.',
  expired: 'This invitation has expired. Ask an admin of the organization to send a new one.',
  denied: 'This invitation was not approved.',
};

/**
 * The page of an open invitation: who invited whom, to what, the note, the expiry, and the Accept / Decline form.
 * The form posts to the page's own path, `token` relative to `/invitations/` (a relative reference drops the query),
 * so a link opened with tracking parameters (`?utm_source=…`, which GET ignores) still answers: a POST takes no
 * query string.
 */
function invitationBody(inv: Invitation, organizationName: string, token: string): string {
  return [
    `<p>${escapeHtml(displayEmail(inv.inviterEmail))} invited <strong>${escapeHtml(displayEmail(inv.email))}</strong> to join `,
    `<strong>${escapeHtml(organizationName)}</strong> on AstroBee as ${roleWithArticle(inv.role)}.</p>`,
    inv.note ? `<blockquote class="note">${escapeHtml(inv.note).replace(/\n/g, '<br>')}</blockquote>` : '',
    `<p>The invitation expires on ${escapeHtml(formatUtc((inv.expiresAt ?? new Date()).toISOString()))}.</p>`,
    `<form method="post" action="${escapeHtml(token)}">`,
    '<button type="submit" name="decision" value="accept">Accept</button>',
    '<button type="submit" name="decision" value="decline">Decline</button>',
    '</form>',
  ].join('');
}

/**
 * The decision a form body carries, or why it is refused: the body must be exactly `decision=accept` or
 * `decision=decline` — one field, given once (a repeated or unknown field makes the form ambiguous).
 */
export function formDecision(
  form: URLSearchParams,
): { decision: 'accept' | 'decline' } | { refusal: string } {
  const names = [...form.keys()];
  const unknown = names.find((name) => name !== 'decision');
  if (unknown !== undefined) {
    return {
      refusal: `The form has an unexpected field "${truncateGraphemes(unknown, 40)}"; send only the decision.`,
    };
  }
  if (names.length > 1) return { refusal: 'The form sends the decision more than once; send it once.' };
  const decision = form.get('decision');
  if (decision === 'accept' || decision === 'decline') return { decision };
  return { refusal: 'The form must send decision=accept or decision=decline.' };
}

/**
 * The handler of `/invitations/:token` (a Bolt custom route; the token is read from the path as sent, see
 * {@link tokenOf}). GET and HEAD show, POST acts, anything else is 405 — once the token is known and the invitation
 * open (an unknown token is 404, a final state 410 or 409, on every method).
 * @param deps `ports`: the invitations' outbox and notifier, as the composition root wires them (an answer tells
 *   the notifier in its own transaction: the Slack side queues the update of the invitee's DM and of the request
 *   copies); `deliver` runs the Slack delivery worker, so those go out now; a failed delivery is retried by the
 *   worker and never undoes the answer.
 */
export function invitationPage(deps: {
  orm: Orm;
  logger: Logger;
  clock: Clock;
  settings: InvitationSettings;
  /** The invitations' ports (src/mail's outbox on the outbox table, the Slack side's notifier). */
  ports: InvitationPorts;
  deliver?: () => Promise<void>;
}) {
  const log = deps.logger.child({ component: 'invitation-page' });
  /** The invitations service over a new unit of work. */
  const serviceFor = () => new InvitationsService(deps.orm.em.fork(), deps.clock, deps.settings, deps.ports);
  return async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const service = serviceFor();
    const token = tokenOf(req);
    try {
      const head = method === 'HEAD';
      // A malformed token (or another spelling of the path) is answered as an unknown one, without a database read.
      const found = token ? await service.findByToken(token) : null;
      if (!found) {
        page(
          res,
          404,
          'Invitation not found',
          '<p>This invitation link is not valid. It may have been replaced by a newer one; check your latest invitation email.</p>',
          head,
        );
        return;
      }
      const { invitation, organization } = found;
      // A final state answers the same on every method (the README's table): its status wins over 405 and the form.
      if (invitation.status !== 'pending') {
        closedPage(res, invitation.status, head);
        return;
      }
      if (!ALLOWED_METHODS.includes(method)) {
        plain(res, 405, 'Method not allowed: use GET to see the invitation and POST to answer it.', {
          allow: ALLOWED_METHODS.join(', '),
        });
        return;
      }
      let decision: 'accept' | 'decline' | null = null;
      if (method === 'POST') {
        const refusal = await readDecision(req);
        if ('status' in refusal) {
          page(
            res,
            refusal.status,
            'Choose accept or decline',
            `<p>${escapeHtml(refusal.text)} Nothing was changed.</p>`,
            false,
            refusal.status === 413 ? { connection: 'close' } : {},
          );
          return;
        }
        decision = refusal.decision;
      }
      if (decision === null) {
        page(
          res,
          200,
          `Join ${organization.name}`,
          invitationBody(invitation, organization.name, token),
          head,
        );
        return;
      }
      const inv = await service.respondByToken(token, decision);
      log.info({ invitationId: inv.id, decision }, 'invitation answered on the web');
      const answered = await serviceFor().get(inv.id);
      const orgName = answered?.organization.name ?? 'the organization';
      if (decision === 'accept') {
        page(
          res,
          200,
          `Welcome to ${orgName}`,
          `<p>You joined <strong>${escapeHtml(orgName)}</strong> as ${roleWithArticle(inv.role)}. In Slack, type <code>/org help</code> to start.</p>`,
        );
      } else {
        page(
          res,
          200,
          'Invitation declined',
          `<p>You declined the invitation to join <strong>${escapeHtml(orgName)}</strong>.</p>`,
        );
      }
      // After the page is sent: a slow Slack must not keep the invitee waiting (failures are only logged).
      await deps.deliver?.();
    } catch (err) {
      if (
        err instanceof DomainError &&
        (err.kind === 'invitation_closed' || err.kind === 'invitation_expired')
      ) {
        // Answered or closed between the read above and the write: the status of the state it is in now.
        const now = await serviceFor().findByToken(token);
        if (now && now.invitation.status !== 'pending') {
          closedPage(res, now.invitation.status, false);
          return;
        }
      }
      if (err instanceof DomainError) {
        const refusal = invitationPageError(err);
        page(res, refusal.status, 'Invitation not available', refusal.html);
        return;
      }
      log.error({ err }, 'invitation page failed');
      if (!res.headersSent)
        page(res, 500, 'Something went wrong', '<p>Nothing was changed. Please try again later.</p>');
    }
  };
}
