import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { findLeakCandidates, LeakGuard, type NeutralisedLeak } from '../../domain/clients/leaks.js';
import type { OrgContext } from '../context.js';
import { activeAdminSlackUserIds } from '../deliveries/queue.js';

/** The text a `message` event carries: its own, or for `message_changed` the edited message's. */
function messageText(event: Record<string, unknown>): string {
  const inner = event.subtype === 'message_changed' ? event.message : event;
  if (!inner || typeof inner !== 'object') return '';
  const text = (inner as Record<string, unknown>).text;
  return typeof text === 'string' ? text : '';
}

/** The poster of a `message` event (for `message_changed`, the edited message's author). */
function poster(event: Record<string, unknown>): string | undefined {
  const inner = event.subtype === 'message_changed' ? event.message : event;
  const user = inner && typeof inner === 'object' ? (inner as Record<string, unknown>).user : undefined;
  return typeof user === 'string' && user ? user : undefined;
}

/** Whether the message was posted by a bot (ours or another's): such messages are not checked. */
function fromBot(event: Record<string, unknown>): boolean {
  const inner = (event.subtype === 'message_changed' ? event.message : event) as Record<string, unknown>;
  return inner?.bot_id !== undefined || inner?.subtype === 'bot_message';
}

const WHAT: Record<NeutralisedLeak['kind'], string> = {
  client_secret: 'an API client secret',
  access_token: 'an API access token',
};

/** The poster's notice for one neutralised credential (never the credential). */
export function posterNotice(leak: NeutralisedLeak, ownOrganization: boolean): string {
  if (!ownOrganization) {
    return `Your message contains ${WHAT[leak.kind]} of another organization. It has been neutralised and that organization's admins were told. Please delete the message.`;
  }
  const done =
    leak.outcome === 'revoked'
      ? `The access token of *${leak.clientName}* has been revoked.`
      : leak.outcome === 'disabled'
        ? `The API client *${leak.clientName}* has been disabled and its access tokens revoked.`
        : `The API client *${leak.clientName}* was already disabled.`;
  return `:rotating_light: Your message contains ${WHAT[leak.kind]}. ${done} Please delete the message; an admin can rotate the secret and enable the client again (\`/org clients\`).`;
}

/** The admins' DM for one neutralised credential. */
export function adminNotice(leak: NeutralisedLeak, channelId: string, posterId: string): string {
  const done =
    leak.outcome === 'revoked'
      ? 'the token was revoked'
      : leak.outcome === 'disabled'
        ? 'the client was disabled and its access tokens revoked'
        : 'the client was already disabled';
  return `:rotating_light: ${WHAT[leak.kind][0] === 'a' ? 'A' : ''}${WHAT[leak.kind].slice(2)} of the API client *${leak.clientName}* (\`${leak.clientId}\`) was posted in <#${channelId}> by <@${posterId}>: ${done}. Rotate its secret and enable it again with \`/org clients\` once it is safe.`;
}

/**
 * `message` events (`message.channels`, `message.groups`, `message.im`, `message.mpim`; docs.slack.dev/reference/
 * events/message), edits (`message_changed`) included: the leaked-secret guard. Text without a prefix-shaped word
 * with a right checksum costs no database query. A live credential is neutralised (src/domain/clients/leaks.ts), the
 * poster gets an ephemeral notice in the channel and the owning organization's admins (when it is this workspace's)
 * a DM. The text is never stored nor logged; bot messages are skipped.
 */
export async function messageEvent({
  event,
  body,
  client,
  context,
}: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs<OrgContext>): Promise<void> {
  const raw = event as unknown as Record<string, unknown>;
  if (fromBot(raw)) return;
  const candidates = findLeakCandidates(messageText(raw));
  if (candidates.length === 0) return;
  const channelId = typeof raw.channel === 'string' ? raw.channel : '';
  const posterId = poster(raw);
  const teamId = (body as { team_id?: string }).team_id ?? '';
  if (!channelId || !posterId) return;
  const guard = new LeakGuard(context.em, context.clock);
  const leaks = await guard.neutralise(candidates, { slackTeamId: teamId, channelId, slackUserId: posterId });
  for (const leak of leaks) {
    const own = leak.organizationSlackTeamId === teamId;
    context.log.warn(
      { clientId: own ? leak.clientId : undefined, kind: leak.kind, outcome: leak.outcome, channelId },
      'leaked credential neutralised',
    );
    try {
      await client.chat.postEphemeral({ channel: channelId, user: posterId, text: posterNotice(leak, own) });
    } catch (err) {
      context.log.warn({ err, channelId }, 'leak notice to the poster failed');
    }
    // Another organization's admins live in another workspace, out of this token's reach: its audit records it.
    if (!own) continue;
    const admins = await activeAdminSlackUserIds(context.em.fork(), leak.organizationId);
    for (const admin of admins) {
      try {
        await client.chat.postMessage({ channel: admin, text: adminNotice(leak, channelId, posterId) });
      } catch (err) {
        context.log.warn({ err, admin }, 'leak notice to an admin failed');
      }
    }
  }
}
