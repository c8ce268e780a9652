import { displayEmail } from '../../domain/email.js';
import {
  type DomainError,
  type DomainErrorKind,
  type DomainErrorTable,
  renderDomainError,
} from '../../domain/errors.js';
import { escapeHtml } from '../../mail/invitation-mail.js';
import { API_ERROR_TEXTS } from '../api/error-texts.js';

/**
 * The invitation page's words for every domain error, as plain text (escaped for HTML by
 * {@link invitationPageErrorHtml}). The page speaks to the invitee, who may not be in Slack yet: no mentions, no
 * `/org` hints. The codes a visitor of the page can meet (an invalid, expired or answered link, an invitee who
 * joined meanwhile) are worded here; the rest read as the REST API words them.
 */
export const INVITATION_PAGE_ERROR_TEXTS: DomainErrorTable = {
  ...API_ERROR_TEXTS,
  already_member: (p) => `${displayEmail(p.email)} is already a member of ${p.organizationName}.`,
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
};

/** HTTP status of the page for each error family (`kind`); any other refusal is 400. */
const STATUS_BY_KIND: Partial<Record<DomainErrorKind, number>> = {
  not_found: 404,
  invitation_expired: 410,
  invitation_closed: 409,
  already_member: 409,
};

/**
 * A domain error as the invitation page shows it.
 * @returns the HTTP status and one HTML paragraph (`<p>…</p>`, text escaped)
 */
export function invitationPageError(err: DomainError): { status: number; html: string } {
  return {
    status: STATUS_BY_KIND[err.kind] ?? 400,
    html: `<p>${escapeHtml(renderDomainError(INVITATION_PAGE_ERROR_TEXTS, err))}</p>`,
  };
}
