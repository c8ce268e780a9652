import { displayEmail } from '../../domain/email.js';
import {
  type DomainError,
  type DomainErrorTable,
  type PersonRef,
  renderDomainError,
} from '../../domain/errors.js';

/** A member in plain words: their email as people read it (a Slack user id means nothing outside Slack). */
function person(p: PersonRef): string {
  return displayEmail(p.email);
}

function lastAdmin(othersDeactivated: boolean): string {
  return othersDeactivated
    ? "last active Admin (the other Admins' Slack accounts are deactivated)"
    : 'last Admin';
}

/**
 * The REST API's words for every domain error: plain sentences for the JSON `message`, with no Slack syntax (no
 * mentions, channel references, mrkdwn, emoji codes or `/org` hints). Names and emails appear as stored (emails with
 * their domain in Unicode): JSON needs no escaping of its own beyond what `JSON.stringify` does.
 */
export const API_ERROR_TEXTS: DomainErrorTable = {
  no_organization: () => 'No AstroBee organization is set up for this Slack workspace yet.',
  foreign_workspace: () =>
    'You are a user of another Slack workspace. This app serves only members of the Slack workspace it is installed in. Nothing was changed.',
  not_a_member: (p) =>
    `You are not a member of ${p.organizationName} on AstroBee yet. Ask one of its admins to invite you.`,
  organization_exists: (p) =>
    `This workspace is already set up as ${p.organizationName}. Nothing was changed.`,
  admin_only: (p) => `Only admins can ${p.operation}.`,
  setup_requires_workspace_admin: () =>
    'Only a Slack workspace admin or owner can set up the organization. Nothing was created.',
  setup_requires_email: () => 'The Slack profile has no email address, which the first Admin needs.',
  invalid_value: (p) => p.problem,
  data_item_not_found: (p) =>
    `No ${p.kind === 'data_source' ? 'data source' : 'data layer'} with id ${p.id}.`,
  client_id_malformed: (p) =>
    `"${p.clientId}" is not a client ID. Client IDs look like "cli_" followed by 20 letters and digits.`,
  client_not_found: (p) => `There is no API client "${p.clientId}" in ${p.organizationName}.`,
  client_name_taken: (p) => `A client named "${p.name}" already exists. Choose another name.`,
  scopes_unknown: (p) => `Unknown scope: ${p.unknown}. The scopes are: ${p.known}.`,
  scopes_empty: (p) => `Choose at least one scope of: ${p.known}.`,
  slack_account_deactivated: (p) =>
    `The Slack account of ${person(p.member)} is deactivated, so they cannot be made an Admin. Nothing was changed.`,
  remove_self: () => 'A member cannot remove themself; leaving the organization is a separate operation.',
  last_admin: (p) => {
    const last = lastAdmin(p.othersDeactivated);
    switch (p.change) {
      case 'demote':
        return `${person(p.member)} is the ${last} of ${p.organizationName}: make someone else an Admin first. Nothing was changed.`;
      case 'remove':
        return `${person(p.member)} is the ${last} of ${p.organizationName} and cannot be removed. Nothing was changed.`;
      case 'leave':
        return `You are the ${last} of ${p.organizationName}, so you cannot leave: make someone else an Admin first. Nothing was changed.`;
    }
  },
  recovery_email_linked: (p) =>
    `The member with the email ${displayEmail(p.email)} is linked to another Slack user. Nothing was changed.`,
  recovery_requires_email: () =>
    'The Slack profile has no email address, which an Admin needs. Nothing was changed.',
  recovery_requires_workspace_admin: (p) =>
    `Only a Slack workspace owner or admin can recover ${p.organizationName}. Nothing was changed.`,
  active_admin_exists: (p) =>
    `${p.organizationName} still has an active Admin (${p.admins.map(person).join(', ')}). Recovery is only for an organization whose Admins are all deactivated in Slack. Nothing was changed.`,
  member_gone: (p) => `That member is no longer on the team of ${p.organizationName}. Nothing was changed.`,
  member_email_not_found: (p) =>
    `No one with the email ${displayEmail(p.email)} is on the team of ${p.organizationName}.`,
  slack_user_not_member: (p) =>
    `The Slack user ${p.slackUserId} is not on the team of ${p.organizationName}.`,
  slack_user_unknown: (p) =>
    `Slack does not know the user ${p.slackUserId}: they may have been removed from the workspace. Nothing was changed.`,
  slack_user_foreign: (p) =>
    `The Slack user ${p.slackUserId} belongs to another Slack workspace, so they cannot be on the team of ${p.organizationName}. Nothing was changed.`,
  role_invalid: (p) =>
    `${p.typed === null ? 'That' : `"${p.typed}"`} is not a role: use "admin" or "member".`,
  admin_invite_by_member: () =>
    'Only admins can invite an Admin. Request a Member invitation; an admin can change the role later.',
  already_member: (p) => `${displayEmail(p.email)} is already a member of ${p.organizationName}.`,
  invitation_pending: (p) =>
    p.awaitingApproval
      ? `A request to invite ${displayEmail(p.email)} is already pending approval.`
      : `An invitation for ${displayEmail(p.email)} is already pending.`,
  invitation_limit: (p) =>
    `${p.organizationName} has reached its limit of ${p.perDay} invitations in 24 hours. Try again later.`,
  invitation_closed: (p) => {
    switch (p.status) {
      case 'pending':
        return 'This request was already approved by an admin.';
      case 'denied':
        return 'This request was already denied by an admin.';
      case 'accepted':
        return `This invitation was already accepted by ${displayEmail(p.email)}.`;
      case 'declined':
        return `This invitation was declined by ${displayEmail(p.email)}.`;
      case 'revoked':
        return 'This invitation was revoked by an admin.';
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

/** A domain error as the REST API answers it: HTTP status, the JSON `error` code, a plain `message`, the field. */
export interface ApiErrorBody {
  status: number;
  error: string;
  message: string;
  field?: string;
}

/**
 * Maps a domain error to the REST API's answer. The JSON `error` is the error's family (`kind`), stable for
 * clients: `invalid_request` (400, with `field`) for bad input, `not_found` (404), else the kind itself (400).
 */
export function apiErrorBody(err: DomainError): ApiErrorBody {
  const message = renderDomainError(API_ERROR_TEXTS, err);
  if (err.kind === 'invalid_input') {
    return { status: 400, error: 'invalid_request', message, ...(err.field ? { field: err.field } : {}) };
  }
  if (err.kind === 'not_found') return { status: 404, error: 'not_found', message };
  return { status: 400, error: err.kind, message };
}
