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
 * joined meanwhile) read as the REST API words them (plain text already); a code the page must word otherwise
 * gets its own entry here.
 */
export const INVITATION_PAGE_ERROR_TEXTS: DomainErrorTable = { ...API_ERROR_TEXTS };

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
