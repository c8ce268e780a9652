/**
 * Every action an audit event may record, as `<target>.<what happened>`. `recordAudit` accepts only these, so a new
 * kind of change fails the type check until it is listed here — and the API's `action` filter
 * (`GET /api/v1/audit-events?action=…`) knows it.
 */
export const AUDIT_ACTIONS = [
  'organization.setup',
  'organization.renamed',
  'organization.recovered',
  'organization.approvals_channel_set',
  'member.linked',
  'member.role_changed',
  'member.removed',
  'member.left',
  'member.slack_deactivated',
  'member.slack_reactivated',
  'invitation.sent',
  'invitation.requested',
  'invitation.approved',
  'invitation.denied',
  'invitation.resent',
  'invitation.revoked',
  'invitation.expired',
  'invitation.accepted',
  'invitation.declined',
  'client.created',
  'client.discarded',
  'client.secret_rotated',
  'client.rotation_reverted',
  'client.enabled',
  'client.disabled',
  'client.deleted',
  'client.scopes_changed',
  'client.secret_leaked',
  'token.leaked',
  'data_source.created',
  'data_source.deleted',
  'data_layer.created',
  'data_layer.deleted',
  'slack_app.installed',
  'slack_app.reinstalled',
  'slack_app.uninstalled',
  'slack_app.tokens_revoked',
  'audit.exported',
] as const;

/** One of {@link AUDIT_ACTIONS}. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(AUDIT_ACTIONS);

/** Whether `name` is exactly one of {@link AUDIT_ACTIONS}. */
export function isAuditAction(name: string): name is AuditAction {
  return KNOWN.has(name);
}
