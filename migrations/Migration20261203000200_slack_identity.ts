import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/**
 * Slack identities: when a member's Slack account was seen deactivated, and the enterprise (Enterprise Grid) of the
 * organization's workspace, whose users count as its own.
 */
export class Migration20261203000200_slack_identity extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .alterTable('members', (t) => {
          t.datetime('slack_deactivated_at').nullable();
        })
        .alterTable('organizations', (t) => {
          t.text('slack_enterprise_id').nullable();
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .alterTable('members', (t) => {
          t.dropColumn('slack_deactivated_at');
        })
        .alterTable('organizations', (t) => {
          t.dropColumn('slack_enterprise_id');
        }),
    );
  }
}
