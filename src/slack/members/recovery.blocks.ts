import type { Recovery } from '../../domain/members/members.service.js';
import { button, plainMessage, type SlackMessage, section } from '../shared/common.blocks.js';
import { escapeMrkdwn } from '../shared/text.js';
import { confirmDialog, MEMBER_ACTIONS } from './members.blocks.js';

/** The action id of the confirm button of `/org recover`. */
export const RECOVER_ACTION = 'org_recover';

/**
 * The confirm step of `/org recover`: what will happen, a button that asks once more (a Slack confirm dialog) and
 * Cancel.
 */
export function recoverConfirmMessage(organizationName: string): SlackMessage {
  const org = escapeMrkdwn(organizationName);
  const what =
    `*${org}* has no active Admin: every Admin's Slack account is deactivated. As a Slack workspace owner or admin ` +
    'you can take the Admin role back. This is recorded in the audit log, and every member is told by DM.';
  return {
    text: `Take the Admin role of ${org}?`,
    blocks: [
      section(what),
      {
        type: 'actions',
        block_id: 'org_recover_confirm',
        elements: [
          button(RECOVER_ACTION, 'Become Admin', 'recover', {
            style: 'primary',
            confirm: confirmDialog(
              'Recover organization?',
              `Become an Admin of ${organizationName}? Every member is told.`,
              'Become Admin',
            ),
          }),
          button(MEMBER_ACTIONS.cancel, 'Cancel', 'cancel'),
        ],
      },
    ],
  };
}

/** The outcome of `/org recover`, for the one who recovered the organization. */
export function recoveredMessage(recovery: Recovery): SlackMessage {
  const told = recovery.notify.length;
  return plainMessage(
    `:white_check_mark: You are now an Admin of *${escapeMrkdwn(recovery.organizationName)}*. ` +
      (told > 0
        ? `${told} member${told === 1 ? ' was' : 's were'} told by direct message.`
        : 'No other member has an active Slack account to tell.') +
      ' Make sure it keeps an active Admin: `/org role @someone admin`.',
  );
}

/** The direct message to each member when the organization was recovered. */
export function recoveryNotice(organizationName: string, bySlackUserId: string): SlackMessage {
  return plainMessage(
    `<@${bySlackUserId}>, a Slack workspace owner or admin, took the Admin role of ` +
      `*${escapeMrkdwn(organizationName)}* on AstroBee because it had no active Admin (every Admin's Slack account ` +
      'was deactivated).',
  );
}
