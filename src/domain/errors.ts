import type { InvitationStatus } from './invitations/invitation.entity.js';

/**
 * Coded domain errors (DESIGN.md §6): a domain error is a stable `code` with typed `params` (member IDs, Slack user
 * IDs, emails as stored, counts, names) and never any front end's wording — no mrkdwn, no mentions, no `/org` hints,
 * no HTML. Each front end renders them from one table of its own, typed as {@link DomainErrorTable} so that a code
 * without a rendering fails to compile: the Slack side (`src/slack/error-texts.ts`, also what the console shows), the
 * REST API (`src/http/api/error-texts.ts`) and the invitation page (`src/http/invitations/error-texts.ts`).
 */

/** A person a message names, as the domain knows them: a linked Slack user, else the email as stored. */
export interface PersonRef {
  slackUserId: string | null;
  /** Stored form: an internationalised domain in ASCII (`xn--…`); front ends show it with `displayEmail`. */
  email: string;
}

/** What an Admin-only operation is called in refusals ("Only admins can …"): plain words, no markup. */
export type AdminOperation =
  | 'approve invitation requests'
  | 'change roles'
  | 'choose where invitation requests go'
  | 'create API clients'
  | 'delete API clients'
  | 'deny invitation requests'
  | 'disable API clients'
  | 'enable API clients'
  | 'manage API clients'
  | 'manage the team'
  | 'read the audit log'
  | 'remove members'
  | 'rename the organization'
  | 'resend invitations'
  | 'revoke invitations'
  | 'rotate API client secrets'
  | 'change the scopes of API clients'
  | 'see invitation requests'
  | 'see open invitations'
  | 'manage nudges';

/** The kinds of data items of the REST API's data resources. */
export type DataItemKind = 'data_source' | 'data_layer';

type None = Record<string, never>;

/**
 * Every domain error code and the parameters it carries. Codes are stable (logged, asserted by tests); a new code
 * needs a rendering in every front end's table, which the compiler and `test/unit/error-texts.test.ts` enforce.
 */
export interface DomainErrorParams {
  /** No organization is bound to this Slack workspace yet. */
  no_organization: None;
  /** The caller is a user of another Slack workspace (told nothing of the organization, not even its name). */
  foreign_workspace: None;
  /** The caller is not a member of the organization bound to the workspace. */
  not_a_member: { organizationName: string };
  /** `/org setup` when the workspace is already bound. */
  organization_exists: { organizationName: string };
  /** A Member tried an Admin-only operation. */
  admin_only: { operation: AdminOperation };
  /** `/org setup` by someone who is not a Slack workspace admin or owner. */
  setup_requires_workspace_admin: None;
  /** `/org setup` by someone whose Slack profile has no email. */
  setup_requires_email: None;
  /** Input that breaks a validation rule; `problem` is the rule's plain sentence ("The name must not be empty."). */
  invalid_value: { problem: string };
  /** No data source / layer with this id in the caller's organization (`id` as given, cut to 64 characters). */
  data_item_not_found: { kind: DataItemKind; id: string };
  /** A client ID that does not have the shape of one (`clientId` as given, cut to 40 characters). */
  client_id_malformed: { clientId: string };
  /** No live API client with this ID in the organization. */
  client_not_found: { clientId: string; organizationName: string };
  /** Another live API client has this name (compared case-insensitively). */
  client_name_taken: { name: string };
  /** Scope names that are not scopes (`unknown`: the names joined by ", "; `known`: every scope, likewise). */
  scopes_unknown: { unknown: string; known: string };
  /** A client needs at least one scope (`known`: every scope, joined by ", "). */
  scopes_empty: { known: string };
  /** The member's Slack account is deactivated, so they cannot be made an Admin. */
  slack_account_deactivated: { member: PersonRef };
  /** An Admin tried to remove themself (leaving is its own operation). */
  remove_self: None;
  /**
   * The change would leave the organization without an active Admin (DESIGN.md §3). `change` is what was refused;
   * `othersDeactivated` when other Admins exist but their Slack accounts are all deactivated.
   */
  last_admin: {
    organizationName: string;
    member: PersonRef;
    change: 'demote' | 'remove' | 'leave';
    othersDeactivated: boolean;
  };
  /** `/org recover`: the member with the caller's email is linked to another Slack user. */
  recovery_email_linked: { email: string };
  /** `/org recover` by a non-member whose Slack profile has no email. */
  recovery_requires_email: None;
  /** `/org recover` by someone who is not a workspace owner or admin. */
  recovery_requires_workspace_admin: { organizationName: string };
  /** `/org recover` while an active Admin remains (up to three of them named). */
  active_admin_exists: { organizationName: string; admins: PersonRef[] };
  /** The member (named by id, e.g. from a button) is no longer on the team. */
  member_gone: { organizationName: string };
  /** No member with this email (stored form) is on the team. */
  member_email_not_found: { email: string; organizationName: string };
  /** The Slack user named is not on the team. */
  slack_user_not_member: { slackUserId: string; organizationName: string };
  /** Slack does not know the user named (`users.info` → `user_not_found` / `user_not_visible`). */
  slack_user_unknown: { slackUserId: string };
  /** The Slack user named is a user of another workspace, so they cannot be on the team. */
  slack_user_foreign: { slackUserId: string; organizationName: string };
  /** A role that is neither Admin nor Member; `typed` is the word as typed when it is a short plain word, else null. */
  role_invalid: { typed: string | null };
  /** A Member asked for an Admin invitation. */
  admin_invite_by_member: None;
  /** The person invited is already on the team. */
  already_member: { email: string; organizationName: string };
  /** An open invitation (sent) or request (awaiting approval) exists for this email. */
  invitation_pending: { email: string; awaitingApproval: boolean };
  /** The organization reached its cap of invitations per 24 hours. */
  invitation_limit: { organizationName: string; perDay: number };
  /**
   * The invitation or request is no longer open to this decision: its status now, the email invited, and the Slack
   * user who decided it (approved, denied, revoked) when known.
   */
  invitation_closed: { status: InvitationStatus; email: string; decidedBySlackUserId: string | null };
  /** The invitation is past its expiry. */
  invitation_expired: None;
  /** An invitation link whose token matches no invitation (or was replaced by a newer one). */
  invitation_link_invalid: None;
  /** The invitation a DM's button points to no longer exists. */
  invitation_gone: None;
  /** Someone other than the invitee clicked Accept or Decline. */
  invitation_not_invitee: None;
  /** The invitation an Admin's button or command names does not exist (any more). */
  invitation_not_found: None;
}

/** A domain error code. */
export type DomainErrorCode = keyof DomainErrorParams;

/** A front end's rendering of every code: a missing code is a compile error. */
export type DomainErrorTable<R = string> = { [C in DomainErrorCode]: (params: DomainErrorParams[C]) => R };

/**
 * The families of domain errors, one per subclass: what a front end maps to a status (the REST API's JSON `error`,
 * the invitation page's HTTP status). Stable, as the codes are.
 */
export type DomainErrorKind =
  | 'not_authorized'
  | 'not_a_member'
  | 'no_organization'
  | 'organization_exists'
  | 'invalid_input'
  | 'not_found'
  | 'last_admin'
  | 'member_not_found'
  | 'invitation_pending'
  | 'already_member'
  | 'invitation_limit'
  | 'invitation_closed'
  | 'invitation_expired'
  | 'foreign_workspace'
  | 'slack_account_deactivated'
  | 'slack_user_unknown'
  | 'active_admin_exists';

/** The constructor arguments for codes `C`: each code with its own params (a correlated union). */
type ErrorArgs<C extends DomainErrorCode> = {
  [K in C]: [code: K, params: DomainErrorParams[K], field?: string];
}[C];

/**
 * The base of coded domain errors. `kind` is the family (one per subclass: `not_found`, `last_admin`, …) that
 * front ends map to a status (HTTP 404, 409…); `code` and `params` are what they render.
 */
export abstract class DomainError<C extends DomainErrorCode = DomainErrorCode> extends Error {
  abstract readonly kind: DomainErrorKind;
  readonly code: C;
  readonly params: DomainErrorParams[C];
  /** The input field the error is about, when there is one (a modal shows it under that field). */
  readonly field?: string;

  constructor(...[code, params, field]: ErrorArgs<C>) {
    // The message is for developers and logs: the code and its params, never shown to a user.
    super(`${code} ${JSON.stringify(params)}`);
    this.name = new.target.name;
    this.code = code as C;
    this.params = params;
    if (field !== undefined) this.field = field;
  }
}

/**
 * Renders `error` with a front end's table.
 * @returns the table's rendering of the error's code, given its params
 */
export function renderDomainError<R>(table: DomainErrorTable<R>, error: DomainError): R {
  const render = table[error.code] as (params: DomainErrorParams[DomainErrorCode]) => R;
  return render(error.params);
}

/** The caller's role (or Slack standing) does not allow the operation. */
export class NotAuthorizedError extends DomainError<
  | 'admin_only'
  | 'setup_requires_workspace_admin'
  | 'recovery_requires_workspace_admin'
  | 'admin_invite_by_member'
  | 'invitation_not_invitee'
> {
  readonly kind = 'not_authorized';
}

/** The caller is not a member of the organization bound to the workspace. */
export class NotAMemberError extends DomainError<'not_a_member'> {
  readonly kind = 'not_a_member';
  constructor(organizationName: string) {
    super('not_a_member', { organizationName });
  }
}

/** No organization is bound to this Slack workspace yet. */
export class NoOrganizationError extends DomainError<'no_organization'> {
  readonly kind = 'no_organization';
  constructor() {
    super('no_organization', {});
  }
}

/** An organization is already bound to this Slack workspace. */
export class OrganizationExistsError extends DomainError<'organization_exists'> {
  readonly kind = 'organization_exists';
  constructor(organizationName: string) {
    super('organization_exists', { organizationName });
  }
}

/** Input that breaks a rule (empty, too long, malformed, not allowed); `field` names the input. */
export class InvalidInputError extends DomainError<
  | 'invalid_value'
  | 'setup_requires_email'
  | 'client_id_malformed'
  | 'client_name_taken'
  | 'scopes_unknown'
  | 'scopes_empty'
  | 'remove_self'
  | 'recovery_email_linked'
  | 'recovery_requires_email'
  | 'role_invalid'
> {
  readonly kind = 'invalid_input';
}

/** A thing the caller named does not exist (or is not visible to them). */
export class NotFoundError extends DomainError<
  | 'data_item_not_found'
  | 'client_not_found'
  | 'invitation_link_invalid'
  | 'invitation_gone'
  | 'invitation_not_found'
> {
  readonly kind = 'not_found';
}

/** The change would leave the organization without an Admin (DESIGN.md §3: at least one Admin at all times). */
export class LastAdminError extends DomainError<'last_admin'> {
  readonly kind = 'last_admin';
  constructor(params: DomainErrorParams['last_admin']) {
    super('last_admin', params);
  }
}

/** The member named (by Slack user, email or id) is not on the organization's team. */
export class MemberNotFoundError extends DomainError<
  'member_gone' | 'member_email_not_found' | 'slack_user_not_member'
> {
  readonly kind = 'member_not_found';
}

/** An open invitation (sent or requested) already exists for this organization and email. */
export class InvitationPendingError extends DomainError<'invitation_pending'> {
  readonly kind = 'invitation_pending';
  constructor(params: DomainErrorParams['invitation_pending'], field?: string) {
    super('invitation_pending', params, field);
  }
}

/** The person invited is already on the team. */
export class AlreadyMemberError extends DomainError<'already_member'> {
  readonly kind = 'already_member';
  constructor(params: DomainErrorParams['already_member'], field?: string) {
    super('already_member', params, field);
  }
}

/** The organization reached its cap of invitations per 24 hours. */
export class InvitationLimitError extends DomainError<'invitation_limit'> {
  readonly kind = 'invitation_limit';
  constructor(params: DomainErrorParams['invitation_limit']) {
    super('invitation_limit', params);
  }
}

/** The invitation or request was already decided (approved, denied, accepted, declined, revoked or expired). */
export class InvitationClosedError extends DomainError<'invitation_closed'> {
  readonly kind = 'invitation_closed';
  constructor(params: DomainErrorParams['invitation_closed']) {
    super('invitation_closed', params);
  }
}

/** The invitation's token is past its expiry. */
export class InvitationExpiredError extends DomainError<'invitation_expired'> {
  readonly kind = 'invitation_expired';
  constructor() {
    super('invitation_expired', {});
  }
}

/**
 * The Slack user acting (or named) is a user of another Slack workspace (a Slack Connect partner, say): members are
 * linked, and act, only as users of the organization's own workspace (or its enterprise under Grid).
 */
export class ForeignWorkspaceError extends DomainError<'foreign_workspace' | 'slack_user_foreign'> {
  readonly kind = 'foreign_workspace';

  /** The caller themself is a user of another workspace: they are told nothing of the organization. */
  static acting(): ForeignWorkspaceError {
    return new ForeignWorkspaceError('foreign_workspace', {});
  }
}

/** The Slack account named is deactivated: it is never promoted and never messaged. */
export class SlackAccountDeactivatedError extends DomainError<'slack_account_deactivated'> {
  readonly kind = 'slack_account_deactivated';
  constructor(member: PersonRef) {
    super('slack_account_deactivated', { member });
  }
}

/** Slack does not know the user named (`users.info` → `user_not_found` or `user_not_visible`). */
export class UnknownSlackUserError extends DomainError<'slack_user_unknown'> {
  readonly kind = 'slack_user_unknown';
  constructor(slackUserId: string) {
    super('slack_user_unknown', { slackUserId });
  }
}

/** `/org recover` while the organization still has an active Admin. */
export class ActiveAdminExistsError extends DomainError<'active_admin_exists'> {
  readonly kind = 'active_admin_exists';
  constructor(params: DomainErrorParams['active_admin_exists']) {
    super('active_admin_exists', params);
  }
}
