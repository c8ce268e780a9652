import { displayEmail } from '../domain/email.js';
import { DomainError, type DomainErrorTable, type PersonRef, renderDomainError } from '../domain/errors.js';
import { SlackInputError } from './shared/slack-input-error.js';
import { escapeMrkdwn } from './shared/text.js';

/**
 * What a user of another Slack workspace is told, wherever they reach the app (a refusal, help, the Home tab): that
 * it serves only its own workspace. It names nothing of the organization (README: they "can do nothing").
 */
export const FOREIGN_WORKSPACE_TEXT =
  'You are a user of another Slack workspace. This app serves only members of the Slack workspace it is ' +
  'installed in.';

/** An email in the form people read (Unicode domain, see `displayEmail`), escaped for mrkdwn. */
function email(address: string): string {
  return escapeMrkdwn(displayEmail(address));
}

/** A member: a mention when linked to a Slack user, else their email. */
function person(p: PersonRef): string {
  return p.slackUserId ? `<@${p.slackUserId}>` : email(p.email);
}

function lastAdmin(othersDeactivated: boolean): string {
  return othersDeactivated
    ? "last active Admin (the other Admins' Slack accounts are deactivated)"
    : 'last Admin';
}

/**
 * The Slack side's words for every domain error (mrkdwn: mentions, `/org` hints, code spans). User-supplied text
 * (names, emails, ids as typed) is escaped with {@link escapeMrkdwn}, so a stored name such as `<!channel>` shows as
 * typed and never becomes a reference. The console shows these too, as it runs the same Slack app.
 */
export const SLACK_ERROR_TEXTS: DomainErrorTable = {
  no_organization: () =>
    'No AstroBee organization is set up for this Slack workspace yet. A workspace admin can create one with `/org setup <name>`.',
  foreign_workspace: () => `${FOREIGN_WORKSPACE_TEXT} Nothing was changed.`,
  not_a_member: (p) =>
    `You are not a member of ${escapeMrkdwn(p.organizationName)} on AstroBee yet. Ask one of its admins to invite you, ` +
    'or ask a member to request an invitation for you with `/org invite`.',
  organization_exists: (p) =>
    `This workspace is already set up as *${escapeMrkdwn(p.organizationName)}*. Nothing was changed.`,
  admin_only: (p) => `Only admins can ${p.operation}.`,
  setup_requires_workspace_admin: () =>
    'Only a Slack workspace admin or owner can set up the organization. Nothing was created.',
  setup_requires_email: () => 'Your Slack profile has no email address, which the first Admin needs.',
  invalid_value: (p) => p.problem,
  data_item_not_found: (p) =>
    `No ${p.kind === 'data_source' ? 'data source' : 'data layer'} with id ${escapeMrkdwn(p.id)}.`,
  client_id_malformed: (p) =>
    `\`${escapeMrkdwn(p.clientId)}\` is not a client ID. Client IDs look like \`cli_\` followed by 20 letters and digits; \`/org clients\` lists them.`,
  client_not_found: (p) =>
    `There is no API client \`${escapeMrkdwn(p.clientId)}\` in ${escapeMrkdwn(p.organizationName)}. \`/org clients\` lists them.`,
  client_name_taken: (p) => `A client named "${escapeMrkdwn(p.name)}" already exists. Choose another name.`,
  scopes_unknown: (p) =>
    `Unknown scope: ${escapeMrkdwn(p.unknown)}. Nothing was changed. The scopes are: ${p.known}.`,
  scopes_empty: (p) => `Choose at least one scope of: ${p.known}.`,
  slack_account_deactivated: (p) =>
    `${person(p.member)}'s Slack account is deactivated, so they cannot be made an Admin. Nothing was changed.`,
  remove_self: () => 'To leave the organization yourself, use `/org leave`.',
  last_admin: (p) => {
    const org = escapeMrkdwn(p.organizationName);
    const last = lastAdmin(p.othersDeactivated);
    switch (p.change) {
      case 'demote':
        return `${person(p.member)} is the ${last} of ${org}: make someone else an Admin first. Nothing was changed.`;
      case 'remove':
        return `${person(p.member)} is the ${last} of ${org} and cannot be removed. Nothing was changed.`;
      case 'leave':
        return (
          `You are the ${last} of ${org}, so you cannot leave: make someone else an Admin first ` +
          '(`/org role @someone admin`). Nothing was changed.'
        );
    }
  },
  recovery_email_linked: (p) =>
    `The member with your email (${email(p.email)}) is linked to another Slack user. Nothing was changed.`,
  recovery_requires_email: () =>
    'Your Slack profile has no email address, which an Admin needs. Nothing was changed.',
  recovery_requires_workspace_admin: (p) =>
    `Only a Slack workspace owner or admin of this workspace can recover ${escapeMrkdwn(p.organizationName)}. Nothing was changed.`,
  active_admin_exists: (p) =>
    `${escapeMrkdwn(p.organizationName)} still has an active Admin (${p.admins.map(person).join(', ')}): ask them instead. ` +
    '`/org recover` is only for an organization whose Admins are all deactivated in Slack. Nothing was changed.',
  member_gone: (p) =>
    `That member is no longer on the team of ${escapeMrkdwn(p.organizationName)}. Nothing was changed.`,
  member_email_not_found: (p) =>
    `No one with the email ${email(p.email)} is on the team of ${escapeMrkdwn(p.organizationName)}.`,
  slack_user_not_member: (p) =>
    `<@${p.slackUserId}> is not on the team of ${escapeMrkdwn(p.organizationName)}.`,
  slack_user_unknown: (p) =>
    `Slack does not know <@${p.slackUserId}>: they may have been removed from the workspace. Nothing was changed.`,
  slack_user_foreign: (p) =>
    `<@${p.slackUserId}> is a user of another Slack workspace, so they cannot be on the team of ${escapeMrkdwn(p.organizationName)}. Nothing was changed.`,
  role_invalid: (p) =>
    `${p.typed === null ? 'That' : `\`${escapeMrkdwn(p.typed)}\``} is not a role: use \`admin\` or \`member\`.`,
  admin_invite_by_member: () =>
    'Only admins can invite an Admin. Request a Member invitation; an admin can change the role later.',
  already_member: (p) => `${email(p.email)} is already a member of ${escapeMrkdwn(p.organizationName)}.`,
  invitation_pending: (p) =>
    p.awaitingApproval
      ? `A request to invite ${email(p.email)} is already pending approval.`
      : `An invitation for ${email(p.email)} is already pending.`,
  invitation_limit: (p) =>
    `${escapeMrkdwn(p.organizationName)} has reached its limit of ${p.perDay} invitations in 24 hours. Try again later.`,
  invitation_closed: (p) => {
    const by = p.decidedBySlackUserId ? ` by <@${p.decidedBySlackUserId}>` : '';
    switch (p.status) {
      case 'pending':
        return `This request was already approved${by}.`;
      case 'denied':
        return `This request was already denied${by}.`;
      case 'accepted':
        return `This invitation was already accepted by ${email(p.email)}.`;
      case 'declined':
        return `This invitation was declined by ${email(p.email)}.`;
      case 'revoked':
        return `This invitation was revoked${by}.`;
      case 'expired':
        return 'This invitation has expired.';
      case 'requested':
        return 'This request is still waiting for an Admin.';
    }
  },
  invitation_expired: () => 'This invitation has expired.',
  invitation_link_invalid: () =>
    'This invitation link is not valid. It may have been replaced by a newer one.',
  invitation_gone: () => 'This invitation no longer exists.',
  invitation_not_invitee: () => 'Only the person invited can answer this invitation.',
  invitation_not_found: () => 'That invitation does not exist (any more).',
};

/** A refusal for the user, in Slack's words. */
export interface SlackRefusal {
  /** The domain error code (or a {@link SlackInputError}'s), for logs. */
  code: string;
  /** mrkdwn for the user. */
  text: string;
  /** The input it is about, if any. */
  field?: string;
}

/**
 * Words a refusal for Slack: a domain error through {@link SLACK_ERROR_TEXTS}, a {@link SlackInputError} as written.
 * @returns undefined for anything else (an unexpected error, for the error handler to log)
 */
export function slackRefusal(err: unknown): SlackRefusal | undefined {
  if (err instanceof SlackInputError) {
    return { code: err.code, text: err.message, ...(err.field !== undefined ? { field: err.field } : {}) };
  }
  if (err instanceof DomainError) {
    return {
      code: err.code,
      text: renderDomainError(SLACK_ERROR_TEXTS, err),
      ...(err.field !== undefined ? { field: err.field } : {}),
    };
  }
  return undefined;
}
