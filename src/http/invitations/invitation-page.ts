/**
 * The invitation page, `/invitations/<token>` (DESIGN.md §2): a GET shows the invitation (organization, role,
 * inviter, expiry) with an Accept / Decline form; only the form's POST (`decision=accept|decline`,
 * `application/x-www-form-urlencoded`) acts, because mail scanners follow links. Everything shown is HTML-escaped.
 * The form must hold exactly one field, `decision`, once: anything else is refused (400) and changes nothing.
 * Once answered, the invitee's Slack DM (if one was sent) is updated to show the outcome, as after a click on its
 * buttons. The token is never logged: log lines name the invitation id.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WebClient } from '@slack/web-api';
import type { Orm } from '../../db/orm.js';
import type { Clock } from '../../domain/actor.js';
import { displayEmail } from '../../domain/email.js';
import { DomainError } from '../../domain/errors.js';
import { truncateGraphemes } from '../../domain/graphemes.js';
import type { Invitation } from '../../domain/invitations/invitation.entity.js';
import { InvitationsService } from '../../domain/invitations/invitations.service.js';
import type { InvitationSettings } from '../../domain/invitations/settings.js';
import { createServices } from '../../domain/services.js';
import type { Logger } from '../../logger.js';
import { escapeHtml, formatUtc } from '../../mail/invitation-mail.js';
import { refreshCopies } from '../../slack/listeners/actions/invitation-slack.js';

/** A request as Bolt's custom routes hand it over: with the path parameters. */
type RouteRequest = IncomingMessage & { params?: Record<string, string | string[] | undefined> };

/** Largest form body accepted, in bytes. */
const MAX_BODY_BYTES = 4096;

/** HTTP status for each refusal code. */
const STATUS_BY_CODE: Record<string, number> = {
  not_found: 404,
  invitation_expired: 410,
  invitation_closed: 409,
  already_member: 409,
};

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function page(res: ServerResponse, status: number, title: string, body: string, head = false): void {
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
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', ...SECURITY_HEADERS });
  res.end(head ? undefined : html);
}

function roleText(role: string): string {
  return role === 'admin' ? 'an Admin' : 'a Member';
}

const CLOSED_TEXT: Record<string, string> = {
  accepted: 'This invitation was already accepted.',
  declined: 'This invitation was declined.',
  revoked: 'This invitation was withdrawn by an admin of the organization.',
  expired: 'This invitation has expired. Ask an admin of the organization to send a new one.',
  denied: 'This invitation was not approved.',
};

function invitationBody(inv: Invitation, organizationName: string): string {
  return [
    `<p>${escapeHtml(displayEmail(inv.inviterEmail))} invited <strong>${escapeHtml(displayEmail(inv.email))}</strong> to join `,
    `<strong>${escapeHtml(organizationName)}</strong> on AstroBee as ${roleText(inv.role)}.</p>`,
    inv.note ? `<blockquote class="note">${escapeHtml(inv.note).replace(/\n/g, '<br>')}</blockquote>` : '',
    `<p>The invitation expires on ${escapeHtml(formatUtc((inv.expiresAt ?? new Date()).toISOString()))}.</p>`,
    '<form method="post">',
    '<button type="submit" name="decision" value="accept">Accept</button>',
    '<button type="submit" name="decision" value="decline">Decline</button>',
    '</form>',
  ].join('');
}

/** Reads a small urlencoded body; null when it is too large. */
async function readForm(req: RouteRequest): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(buf);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * The decision a form body carries, or why it is refused: the body must be exactly `decision=accept` or
 * `decision=decline` — one field, given once (a repeated or unknown field makes the form ambiguous).
 */
export function formDecision(
  form: URLSearchParams | null,
): { decision: 'accept' | 'decline' } | { refusal: string } {
  if (!form) return { refusal: 'The form is too large.' };
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
 * The handler of `/invitations/:token` (Bolt custom route, so `req.params.token` is set). GET and HEAD show, POST
 * acts, anything else is 405.
 * @param deps `slackClient` gives the app's Web API client (Bolt's `app.client`, created after the routes, hence
 *   a function); when given, the invitee's recorded Slack DM is updated with `chat.update` after an answer. A
 *   failed update is logged (warn) and never undoes the answer, which is already committed.
 */
export function invitationPage(deps: {
  orm: Orm;
  logger: Logger;
  clock: Clock;
  settings: InvitationSettings;
  slackClient?: () => WebClient;
}) {
  const log = deps.logger.child({ component: 'invitation-page' });
  /** Shows the outcome in the invitee's Slack DM, as the DM's own buttons do; failures are only logged. */
  const updateSlackDm = async (invitationId: string): Promise<void> => {
    if (!deps.slackClient) return;
    try {
      const services = createServices(deps.orm.em.fork(), deps.clock, { invitations: deps.settings });
      await refreshCopies({ client: deps.slackClient(), services, log }, invitationId);
    } catch (err) {
      log.warn(
        { err, invitationId },
        'could not update the Slack messages of an invitation answered on the web',
      );
    }
  };
  return async (req: RouteRequest, res: ServerResponse): Promise<void> => {
    const token = String(req.params?.token ?? '');
    const method = req.method ?? 'GET';
    const service = new InvitationsService(deps.orm.em.fork(), deps.clock, deps.settings);
    try {
      if (method === 'GET' || method === 'HEAD') {
        const head = method === 'HEAD';
        const found = await service.findByToken(token);
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
        if (invitation.status !== 'pending') {
          page(
            res,
            410,
            'Invitation closed',
            `<p>${escapeHtml(CLOSED_TEXT[invitation.status] ?? 'This invitation is no longer open.')}</p>`,
            head,
          );
          return;
        }
        page(res, 200, `Join ${organization.name}`, invitationBody(invitation, organization.name), head);
        return;
      }
      if (method !== 'POST') {
        res.writeHead(405, {
          allow: 'GET, HEAD, POST',
          'content-type': 'text/plain; charset=utf-8',
          ...SECURITY_HEADERS,
        });
        res.end('Method not allowed\n');
        return;
      }
      const parsed = formDecision(await readForm(req));
      if ('refusal' in parsed) {
        page(
          res,
          400,
          'Choose accept or decline',
          `<p>${escapeHtml(parsed.refusal)} Nothing was changed.</p>`,
        );
        return;
      }
      const { decision } = parsed;
      const inv = await service.respondByToken(token, decision);
      log.info({ invitationId: inv.id, decision }, 'invitation answered on the web');
      const found = await new InvitationsService(deps.orm.em.fork(), deps.clock, deps.settings).get(inv.id);
      const orgName = found?.organization.name ?? 'the organization';
      if (decision === 'accept') {
        page(
          res,
          200,
          `Welcome to ${orgName}`,
          `<p>You joined <strong>${escapeHtml(orgName)}</strong> as ${roleText(inv.role)}. In Slack, type <code>/org help</code> to start.</p>`,
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
      await updateSlackDm(inv.id);
    } catch (err) {
      if (err instanceof DomainError) {
        page(
          res,
          STATUS_BY_CODE[err.code] ?? 400,
          'Invitation not available',
          `<p>${escapeHtml(err.message.replace(/<@[A-Z0-9]+>/g, 'an admin'))}</p>`,
        );
        return;
      }
      log.error({ err }, 'invitation page failed');
      if (!res.headersSent)
        page(res, 500, 'Something went wrong', '<p>Nothing was changed. Please try again later.</p>');
    }
  };
}
