import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import { findLeakCandidates, type NeutralisedLeak } from '../../domain/clients/leaks.js';
import { CLIENT_ACTIONS } from '../clients/clients.blocks.js';
import type { OrgContext } from '../context.js';
import { activeAdminSlackUserIds } from '../deliveries/queue.js';
import { button, type SlackMessage, section } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

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
    return `Your message contains ${WHAT[leak.kind]} of another organization. It has been neutralised and recorded in that organization's audit log. Please delete the message.`;
  }
  const done =
    leak.outcome === 'revoked'
      ? `The access token of *${escapeMrkdwn(leak.clientName)}* has been revoked.`
      : leak.outcome === 'disabled'
        ? `The API client *${escapeMrkdwn(leak.clientName)}* has been disabled, its access tokens revoked and this secret made void.`
        : leak.outcome === 'secret_voided'
          ? `This secret of the API client *${escapeMrkdwn(leak.clientName)}* has been made void and its access tokens revoked; an admin will issue a new one.`
          : `The API client *${escapeMrkdwn(leak.clientName)}* was already disabled.`;
  return `:rotating_light: Your message contains ${WHAT[leak.kind]}. ${done} Please delete the message; an admin can rotate the secret and enable the client again (\`/org clients\`).`;
}

/**
 * The admins' DM for one neutralised credential: the text, and for a client secret the Enable and Rotate buttons of
 * the client rows of `/org clients` (same action ids and checks; a click shows the clients list in its place).
 */
export function adminNotice(leak: NeutralisedLeak, channelId: string, posterId: string): SlackMessage {
  const text = adminText(leak, channelId, posterId);
  if (leak.kind !== 'client_secret') return { text, blocks: [section(text)] };
  return {
    text,
    blocks: [
      section(text),
      {
        type: 'actions',
        elements: [
          button(CLIENT_ACTIONS.rotate, 'Rotate secret', leak.clientId),
          ...(leak.outcome === 'secret_voided'
            ? []
            : [button(CLIENT_ACTIONS.enable, 'Enable', leak.clientId, { style: 'primary' })]),
        ],
      },
    ],
  };
}

function adminText(leak: NeutralisedLeak, channelId: string, posterId: string): string {
  const done =
    leak.outcome === 'revoked'
      ? 'the token was revoked'
      : leak.outcome === 'disabled'
        ? 'the client was disabled and its access tokens revoked'
        : leak.outcome === 'secret_voided'
          ? 'the secret was made void and its access tokens revoked (the client stays enabled: rotate to issue a new secret)'
          : 'the client was already disabled';
  const what = leak.kind === 'client_secret' ? 'The secret' : 'An access token';
  return `:rotating_light: ${what} of the API client *${escapeMrkdwn(leak.clientName)}* (\`${leak.clientId}\`) was posted in <#${channelId}> by <@${posterId}>: ${done}. ${leak.kind === 'client_secret' ? 'Rotate its secret, then enable it again.' : 'Its client is still enabled.'}`;
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
  const guard = context.services.clients.leakGuard();
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
        await client.chat.postMessage({ channel: admin, ...adminNotice(leak, channelId, posterId) });
      } catch (err) {
        context.log.warn({ err, admin }, 'leak notice to an admin failed');
      }
    }
  }
}
