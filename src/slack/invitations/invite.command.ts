import type { WebClient } from '@slack/web-api';
import { requireMember } from '../../domain/access.js';
import type { Role } from '../../domain/members/member.entity.js';
import { isHomeUser } from '../../domain/members/slack-account.js';
import type { Organization } from '../../domain/organizations/organization.entity.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { slackProfile } from '../shared/slack-profile.js';
import { argText, type SlackArg } from '../shared/text.js';
import { encodeViewMetadata } from '../shared/view-metadata.js';
import { inviteModal } from './invite-modal.blocks.js';
import { afterInvite } from './invite-reply.js';

const USAGE =
  'Usage: `/org invite <email or @user> [admin|member] [note or reason]`, or `/org invite` for a form.';

/** Who is being invited: an email, and the Slack user when invited by mention. */
export interface InviteTarget {
  email: string;
  slackUserId: string | null;
}

/**
 * Turns the first argument of `/org invite` into an email: an email (`<mailto:…>` or typed as is) or a mention
 * (`<@U…>`, `<@U…|name>`), whose email comes from the Slack profile (`users.info`).
 * @param organization the inviting organization: a person invited by mention must be a user of its own workspace
 * @throws SlackInputError for a bare `@name` (escaping off: never guessed), a channel, a link or other text, a
 *   bot or deactivated user, a profile without an email, a mention Slack does not know (`user_not_found`), or a user
 *   of another Slack workspace
 */
export async function resolveInviteTarget(
  client: WebClient,
  arg: SlackArg,
  organization: Pick<Organization, 'slackTeamId' | 'slackEnterpriseId'>,
): Promise<InviteTarget> {
  if (arg.kind === 'email') return { email: arg.email, slackUserId: null };
  if (arg.kind === 'user') {
    const profile = await slackProfile(client, arg.id);
    if (!profile) {
      throw new SlackInputError(
        `Slack does not know <@${arg.id}>: pick the person from Slack's autocomplete, or invite them by email. ` +
          'Nothing was sent.',
        'email',
        'slack_user_unknown',
      );
    }
    if (profile.deleted) {
      throw new SlackInputError(
        `<@${arg.id}>'s Slack account is deactivated, so they cannot be invited.`,
        'email',
      );
    }
    if (!isHomeUser(organization, profile)) {
      throw new SlackInputError(
        `<@${arg.id}> is a user of another Slack workspace: members join as users of this workspace. ` +
          'Invite them by email instead. Nothing was sent.',
        'email',
        'slack_user_foreign',
      );
    }
    if (profile.isBot) throw new SlackInputError(`<@${arg.id}> is a bot and cannot be invited.`, 'email');
    const { email } = profile;
    if (!email) {
      throw new SlackInputError(
        `<@${arg.id}>'s Slack profile shows no email address. Invite them by email instead.`,
        'email',
      );
    }
    return { email, slackUserId: arg.id };
  }
  if (arg.kind === 'word' && arg.text.startsWith('@')) {
    throw new SlackInputError(
      `\`${arg.text}\` arrived as plain text, so it cannot be matched to a person safely. Pick them from Slack's ` +
        'autocomplete so the mention becomes a link, or give their email address.',
      'email',
    );
  }
  if (arg.kind === 'word' && /^[^\s@]+@[^\s@]+$/.test(arg.text))
    return { email: arg.text, slackUserId: null };
  throw new SlackInputError(`\`${argText(arg)}\` is not an email address or a person. ${USAGE}`, 'email');
}

/**
 * Reads an optional role word. Text after the email with no role before it (`/org invite ana@example.com Our new
 * analyst`) is refused, not taken as a note: a mistyped role (`admn`) must not send a Member invitation with a
 * note; the refusal says where the text goes.
 * @throws SlackInputError for anything but `admin` or `member`
 */
export function parseRole(arg: SlackArg | undefined): Role | undefined {
  if (!arg) return undefined;
  if (arg.kind === 'word') {
    const word = arg.text.toLowerCase();
    if (word === 'admin' || word === 'member') return word;
  }
  throw new SlackInputError(
    `The role must be \`admin\` or \`member\`, not \`${argText(arg)}\`. A note or reason goes after the role, as ` +
      `in \`/org invite ana@example.com member Our new analyst\`. ${USAGE}`,
    'role',
  );
}

/**
 * `/org invite [email or @user] [admin|member] [note or reason]` (members): an Admin's invitation is sent at once; a
 * Member's becomes a request (always for a Member). The text after the role is an Admin's note to the invitee
 * (shown in the mail, the invitation page and the DM) or a Member's reason for the request. Without arguments a
 * modal opens.
 */
export const invite: SubcommandHandler = async ({ args, command, actor, reply, acknowledge }) => {
  const me = requireMember(actor);
  const isAdmin = me.member.role === 'admin';
  const [targetArg, roleArg, ...reasonArgs] = command.args;
  if (!targetArg) {
    await acknowledge();
    await args.client.views.open({
      trigger_id: args.body.trigger_id,
      view: inviteModal(isAdmin, encodeViewMetadata({ responseUrl: args.body.response_url })),
    });
    return;
  }
  const role = parseRole(roleArg);
  // A mention costs one users.info call before the write; the router's deadline acknowledges if Slack is slow.
  const target = await resolveInviteTarget(args.client, targetArg, me.organization);
  const trailing = reasonArgs.map(argText).join(' ');
  const { outcome, invitation } = await args.context.services.invitations.invite(actor, {
    email: target.email,
    ...(role ? { role } : {}),
    // The text after the role: a Member's reason for the request, or an Admin's note to the invitee.
    reason: trailing,
    note: trailing,
    inviteeSlackUserId: target.slackUserId,
  });
  // Acknowledged once the invitation is committed, so a 200 means it is stored: with several instances, one
  // killed after the acknowledgement loses nothing acknowledged. The Slack deliveries (DMs, request copies) follow.
  await acknowledge();
  args.context.log.info({ invitationId: invitation.id, outcome }, 'invitation created');
  await args.context.deliver();
  await reply(afterInvite(outcome, invitation, me.organization));
};
