import { displayEmail } from '../domain/email.js';
import { roleLabel, roleWithArticle } from '../domain/members/member.entity.js';
import type { InvitationMailData } from './outbox.entity.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** An instant as people read it in a mail: `Mon, 09 Nov 2026 09:00 UTC`. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  return `${d.toUTCString().slice(0, 22)} UTC`;
}

/**
 * The invitation mail: names the organization, the inviter, the role and the expiry, quotes the inviting Admin's
 * note when there is one (HTML-escaped in the HTML part, line breaks kept), and links to the invitation page.
 * @param url `${PUBLIC_URL}/invitations/<token>`
 */
export function renderInvitationMail(
  data: InvitationMailData,
  url: string,
): { subject: string; text: string; html: string } {
  const role = roleLabel(data.role);
  const expires = formatUtc(data.expiresAt);
  const subject = `You are invited to join ${data.organizationName} on AstroBee`;
  const inviter = displayEmail(data.inviterEmail);
  const note = data.note ? data.note : null;
  const text = [
    `${inviter} invited you to join ${data.organizationName} on AstroBee as ${roleWithArticle(data.role)}.`,
    ...(note ? ['', `Their note: ${note.replace(/\n/g, '\n  ')}`] : []),
    '',
    `Open this link to accept or decline: ${url}`,
    '',
    `The invitation expires on ${expires}.`,
    'If you did not expect it, ignore this mail.',
  ].join('\n');
  const h = escapeHtml;
  const html = [
    '<!doctype html><html><body>',
    `<p>${h(inviter)} invited you to join <strong>${h(data.organizationName)}</strong> on AstroBee as ${role === 'Admin' ? 'an' : 'a'} <strong>${role}</strong>.</p>`,
    ...(note ? [`<blockquote>${h(note).replace(/\n/g, '<br>')}</blockquote>`] : []),
    `<p><a href="${h(url)}">Accept or decline the invitation</a></p>`,
    `<p>The invitation expires on ${h(expires)}.</p>`,
    '<p>If you did not expect it, ignore this mail.</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
