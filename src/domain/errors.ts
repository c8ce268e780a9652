import { displayEmail } from './email.js';

/**
 * Coded domain errors. Each carries a message fit to show the user as it is; front ends map them to an ephemeral
 * reply, an inline modal error (when `field` names an input) or an HTTP error with the same `code`.
 */
/**
 * Quotes user-supplied text (a name, an email, an id as typed) inside a domain message. Domain messages are written
 * in Slack's mrkdwn (`*bold*`, backticks, `<@U…>` mentions made by the domain itself), so `&`, `<` and `>` in quoted
 * text are escaped: a stored name such as `<!channel>` or `<@U…>` shows as typed and never becomes a reference.
 */
export function quote(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Quotes an email address inside a domain message in the form people read: an internationalised domain in Unicode
 * (`info@räucher.de`, not the stored `info@xn--rucher-bua.de`; see {@link displayEmail}), escaped as {@link quote}.
 */
export function quoteEmail(email: string): string {
  return quote(displayEmail(email));
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  /** The input field the error is about, when there is one (a modal shows it under that field). */
  readonly field?: string;

  constructor(message: string, field?: string) {
    super(message);
    this.name = new.target.name;
    if (field !== undefined) this.field = field;
  }
}

/** The caller's role does not allow the operation. */
export class NotAuthorizedError extends DomainError {
  readonly code = 'not_authorized';
}

/** The caller is not a member of the organization bound to the workspace. */
export class NotAMemberError extends DomainError {
  readonly code = 'not_a_member';
  constructor(readonly organizationName: string) {
    super(
      `You are not a member of ${quote(organizationName)} on AstroBee yet. Ask one of its admins to invite you, ` +
        'or ask a member to request an invitation for you with `/org invite`.',
    );
  }
}

/** No organization is bound to this Slack workspace yet. */
export class NoOrganizationError extends DomainError {
  readonly code = 'no_organization';
  constructor() {
    super(
      'No AstroBee organization is set up for this Slack workspace yet. A workspace admin can create one with `/org setup <name>`.',
    );
  }
}

/** An organization is already bound to this Slack workspace. */
export class OrganizationExistsError extends DomainError {
  readonly code = 'organization_exists';
  constructor(readonly organizationName: string) {
    super(`This workspace is already set up as *${quote(organizationName)}*. Nothing was changed.`);
  }
}

/** Input that breaks a rule (empty, too long, malformed); `field` names the input. */
export class InvalidInputError extends DomainError {
  readonly code = 'invalid_input';
}

/** A thing the caller named does not exist (or is not visible to them). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found';
}

/** The change would leave the organization without an Admin (DESIGN.md §3: at least one Admin at all times). */
export class LastAdminError extends DomainError {
  readonly code = 'last_admin';
}

/** The member named (by Slack user, email or id) is not on the organization's team. */
export class MemberNotFoundError extends DomainError {
  readonly code = 'member_not_found';
}

/** An open invitation (sent or requested) already exists for this organization and email. */
export class InvitationPendingError extends DomainError {
  readonly code = 'invitation_pending';
}

/** The person invited is already on the team. */
export class AlreadyMemberError extends DomainError {
  readonly code = 'already_member';
}

/** The organization reached its cap of invitations per 24 hours. */
export class InvitationLimitError extends DomainError {
  readonly code = 'invitation_limit';
}

/** The invitation or request was already decided (approved, denied, accepted, declined, revoked or expired). */
export class InvitationClosedError extends DomainError {
  readonly code = 'invitation_closed';
}

/** The invitation's token is past its expiry. */
export class InvitationExpiredError extends DomainError {
  readonly code = 'invitation_expired';
}

/**
 * What a user of another Slack workspace is told, wherever they reach the app (a refusal, help, the Home tab): that
 * it serves only its own workspace. It names nothing of the organization (README: they "can do nothing").
 */
export const FOREIGN_WORKSPACE_TEXT =
  'You are a user of another Slack workspace. This app serves only members of the Slack workspace it is ' +
  'installed in.';

/**
 * The Slack user acting (or named) is a user of another Slack workspace (a Slack Connect partner, say): members are
 * linked, and act, only as users of the organization's own workspace (or its enterprise under Grid).
 */
export class ForeignWorkspaceError extends DomainError {
  readonly code = 'foreign_workspace';

  /**
   * The caller themself is a user of another workspace: told {@link FOREIGN_WORKSPACE_TEXT}, and nothing of the
   * organization (not even its name).
   */
  static acting(): ForeignWorkspaceError {
    return new ForeignWorkspaceError(`${FOREIGN_WORKSPACE_TEXT} Nothing was changed.`);
  }
}

/** The Slack account named is deactivated: it is never promoted and never messaged. */
export class SlackAccountDeactivatedError extends DomainError {
  readonly code = 'slack_account_deactivated';
}

/** Slack does not know the user named (`users.info` → `user_not_found` or `user_not_visible`). */
export class UnknownSlackUserError extends DomainError {
  readonly code = 'slack_user_unknown';
}

/** `/org recover` while the organization still has an active Admin. */
export class ActiveAdminExistsError extends DomainError {
  readonly code = 'active_admin_exists';
}
