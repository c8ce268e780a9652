/**
 * The leaked-secret guard's messages (pure builders): the poster's ephemeral notice and the admins' DM. None ever
 * holds the credential; a file is named by its safe name (`safeFileName` in src/domain/clients/leaks.ts).
 */
import type { NeutralisedLeak } from '../../domain/clients/leaks.js';
import { CLIENT_ACTIONS } from '../clients/clients.blocks.js';
import { button, type SlackMessage, section } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';

const WHAT: Record<NeutralisedLeak['kind'], string> = {
  client_secret: 'an API client secret',
  access_token: 'an API access token',
};

/** Where the poster put it: "Your message" or "Your file *name*". */
function posterSource(fileName: string | undefined): string {
  return fileName === undefined ? 'Your message' : `Your file *${escapeMrkdwn(fileName)}*`;
}

/**
 * The poster's notice for one neutralised credential (never the credential).
 * @param ownOrganization whether the credential belongs to the organization of the workspace it was posted in
 * @param fileName the shared file it was found in (a safe name), absent when it was in the message's text
 */
export function posterNotice(leak: NeutralisedLeak, ownOrganization: boolean, fileName?: string): string {
  const source = posterSource(fileName);
  const remove = fileName === undefined ? 'Please delete the message' : 'Please delete the file';
  if (!ownOrganization) {
    return `${source} contains ${WHAT[leak.kind]} of another organization. It has been neutralised and recorded in that organization's audit log, and its admins have been told. ${remove}.`;
  }
  const done =
    leak.outcome === 'revoked'
      ? `The access token of *${escapeMrkdwn(leak.clientName)}* has been revoked.`
      : leak.outcome === 'disabled'
        ? `The API client *${escapeMrkdwn(leak.clientName)}* has been disabled, its access tokens revoked and this secret made void.`
        : leak.outcome === 'secret_voided'
          ? `This secret of the API client *${escapeMrkdwn(leak.clientName)}* has been made void and its access tokens revoked; an admin will issue a new one.`
          : `The API client *${escapeMrkdwn(leak.clientName)}* was already disabled.`;
  const next =
    leak.kind === 'access_token'
      ? 'the client keeps working and gets a new token when it asks for one'
      : leak.outcome === 'secret_voided'
        ? 'an admin can rotate the secret (`/org clients`)'
        : 'an admin can rotate the secret and enable the client again (`/org clients`)';
  return `:rotating_light: ${source} contains ${WHAT[leak.kind]}. ${done} ${remove}; ${next}.`;
}

/**
 * What the admins' DM says about one leak (the payload of a `leak_notice` Slack delivery).
 * - `channelId` and `posterId`: where and by whom, when it was posted in the organization's own workspace; both
 *   null when it was posted in another Slack workspace where the app is installed. Then the DM says only that: the
 *   other workspace's channel and user ids would be links to nothing here, and its name, channel and people are
 *   that workspace's business. What is said is what this organization needs to act: its client, what was done,
 *   and that the credential has been seen outside its workspace.
 * - `fileName`: the shared file it was in (a safe name), or null for a message's text.
 */
export interface LeakNotice {
  kind: NeutralisedLeak['kind'];
  clientId: string;
  clientName: string;
  outcome: NeutralisedLeak['outcome'];
  channelId: string | null;
  posterId: string | null;
  fileName: string | null;
}

/**
 * The admins' DM for one neutralised credential: the text, and for a client secret the Enable and Rotate buttons of
 * the client rows of `/org clients` (same action ids and checks; a click shows the clients list in its place).
 */
export function adminNotice(notice: LeakNotice): SlackMessage {
  const text = adminText(notice);
  if (notice.kind !== 'client_secret') return { text, blocks: [section(text)] };
  return {
    text,
    blocks: [
      section(text),
      {
        type: 'actions',
        elements: [
          button(CLIENT_ACTIONS.rotate, 'Rotate secret', notice.clientId),
          ...(notice.outcome === 'secret_voided'
            ? []
            : [button(CLIENT_ACTIONS.enable, 'Enable', notice.clientId, { style: 'primary' })]),
        ],
      },
    ],
  };
}

function adminText(notice: LeakNotice): string {
  const done =
    notice.outcome === 'revoked'
      ? 'the token was revoked'
      : notice.outcome === 'disabled'
        ? 'the client was disabled and its access tokens revoked'
        : notice.outcome === 'secret_voided'
          ? 'the secret was made void and its access tokens revoked (the client stays enabled: rotate to issue a new secret)'
          : 'the client was already disabled';
  const what = notice.kind === 'client_secret' ? 'The secret' : 'An access token';
  const file = notice.fileName === null ? '' : ` in a file *${escapeMrkdwn(notice.fileName)}*`;
  const where =
    notice.channelId !== null && notice.posterId !== null
      ? `was posted${file} in <#${notice.channelId}> by <@${notice.posterId}>`
      : `was posted${file} in another Slack workspace where this app is installed`;
  const next =
    notice.kind === 'client_secret'
      ? 'Rotate its secret, then enable it again.'
      : 'Its client is still enabled.';
  return `:rotating_light: ${what} of the API client *${escapeMrkdwn(notice.clientName)}* (\`${notice.clientId}\`) ${where}: ${done}. ${next}`;
}
