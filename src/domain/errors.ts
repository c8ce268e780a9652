/**
 * Coded domain errors. Each carries a message fit to show the user as it is; front ends map them to an ephemeral
 * reply, an inline modal error (when `field` names an input) or an HTTP error with the same `code`.
 */
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
      `You are not a member of ${organizationName} on AstroBee yet. Ask one of its admins to invite you, ` +
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
    super(`This workspace is already set up as *${organizationName}*. Nothing was changed.`);
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
