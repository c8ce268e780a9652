import type { WebClient } from '@slack/web-api';
import type { Actor } from '../../../domain/actor.js';
import { InvalidInputError } from '../../../domain/errors.js';
import { type MembersViewer, membersMessage } from '../../blocks/members.js';
import { withPageNotice } from '../../blocks/paging.js';
import { profileEmail } from '../../context.js';
import type { MemberReferenceArg, SlackArg } from '../../text.js';
import type { SubcommandHandler } from '../types.js';

/**
 * Reads an optional page number argument.
 * @param example the command with a page, shown when the argument is not a page (`/org members 2`)
 * @throws InvalidInputError (field `page`) for anything but a positive whole number
 */
export function parsePage(arg: SlackArg | undefined, example = '/org members 2'): number {
  if (!arg) return 1;
  if (arg.kind === 'word' && /^[1-9]\d{0,5}$/.test(arg.text)) return Number(arg.text);
  throw new InvalidInputError(`The page must be a positive whole number, as in \`${example}\`.`, 'page');
}

/** Who is looking at the members list (Admins get controls); undefined for a non-member. */
export function viewerOf(actor: Actor): MembersViewer | undefined {
  return actor.member ? { memberId: actor.member.id, role: actor.member.role } : undefined;
}

/**
 * For a member named by mention: a lookup of that Slack user's profile email (`users.info`), so a member invited
 * by email and not linked yet is found too. A user Slack does not know reads as having no email.
 */
export function referenceEmailLookup(
  client: WebClient,
  ref: MemberReferenceArg,
): (() => Promise<string | null>) | undefined {
  if (!('slackUserId' in ref)) return undefined;
  return async () => {
    try {
      return await profileEmail(client, ref.slackUserId);
    } catch {
      return null;
    }
  };
}

/**
 * `/org members [page]`: the team with each role, a page at a time; Admins get a role select and Remove per row. A
 * page past the last shows the last, and says so.
 */
export const members: SubcommandHandler = async ({ args, command, actor, reply }) => {
  if (command.args.length > 1) {
    throw new InvalidInputError(
      '`/org members` takes at most a page number, as in `/org members 2`.',
      'page',
    );
  }
  const page = parsePage(command.args[0]);
  const result = await args.context.services.members.list(actor, page);
  await reply(
    withPageNotice(membersMessage(result, actor.organization?.name ?? '', viewerOf(actor)), page, result),
  );
};
