import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261129000000_initial } from './Migration20261129000000_initial.js';
import { Migration20261129000100_audit } from './Migration20261129000100_audit.js';
import { Migration20261129000200_invitations } from './Migration20261129000200_invitations.js';
import { Migration20261129000300_oauth_clients } from './Migration20261129000300_oauth_clients.js';
import { Migration20261203000100_invitation_note_mail_lock_owner } from './Migration20261203000100_invitation_note_mail_lock_owner.js';
import { Migration20261203000200_slack_identity } from './Migration20261203000200_slack_identity.js';
import { Migration20261203000300_slack_deliveries } from './Migration20261203000300_slack_deliveries.js';
import { Migration20261205000100_slack_installations } from './Migration20261205000100_slack_installations.js';
import { Migration20261205000110_slack_deliveries_foreign_key } from './Migration20261205000110_slack_deliveries_foreign_key.js';
import { Migration20261206000100_change_notifications } from './Migration20261206000100_change_notifications.js';
import { Migration20261206000400_event_receipts_rate_limits } from './Migration20261206000400_event_receipts_rate_limits.js';
import { Migration20261206000500_client_scopes } from './Migration20261206000500_client_scopes.js';
import { Migration20261206000700_audit_event_seq } from './Migration20261206000700_audit_event_seq.js';
import { Migration20261206000810_nudges } from './Migration20261206000810_nudges.js';
import { Migration20261206000900_nudge_mutes } from './Migration20261206000900_nudge_mutes.js';

/**
 * Every migration, in order. Listed explicitly (not discovered by glob) so they run the same under tsx, vitest and
 * a bundler. A new migration (`npm run mikro-orm -- migration:create --name <what>` writes its file here) is
 * appended by hand; test/unit/migrations-index.test.ts fails while a file of this folder is not listed.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261129000000_initial', class: Migration20261129000000_initial },
  { name: 'Migration20261129000100_audit', class: Migration20261129000100_audit },
  { name: 'Migration20261129000200_invitations', class: Migration20261129000200_invitations },
  { name: 'Migration20261129000300_oauth_clients', class: Migration20261129000300_oauth_clients },
  {
    name: 'Migration20261203000100_invitation_note_mail_lock_owner',
    class: Migration20261203000100_invitation_note_mail_lock_owner,
  },
  { name: 'Migration20261203000200_slack_identity', class: Migration20261203000200_slack_identity },
  { name: 'Migration20261203000300_slack_deliveries', class: Migration20261203000300_slack_deliveries },
  {
    name: 'Migration20261205000100_slack_installations',
    class: Migration20261205000100_slack_installations,
  },
  {
    name: 'Migration20261205000110_slack_deliveries_foreign_key',
    class: Migration20261205000110_slack_deliveries_foreign_key,
  },
  {
    name: 'Migration20261206000100_change_notifications',
    class: Migration20261206000100_change_notifications,
  },
  {
    name: 'Migration20261206000400_event_receipts_rate_limits',
    class: Migration20261206000400_event_receipts_rate_limits,
  },
  { name: 'Migration20261206000500_client_scopes', class: Migration20261206000500_client_scopes },
  { name: 'Migration20261206000700_audit_event_seq', class: Migration20261206000700_audit_event_seq },
  { name: 'Migration20261206000810_nudges', class: Migration20261206000810_nudges },
  { name: 'Migration20261206000900_nudge_mutes', class: Migration20261206000900_nudge_mutes },
];
