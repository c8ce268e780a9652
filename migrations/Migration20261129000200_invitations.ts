import { Migration } from '@mikro-orm/migrations';
import { addSchema, baseColumns } from './schema-builder.js';

/** Invitations, the Slack messages about them, the mail outbox, and the organization's approvals channel. */
export class Migration20261129000200_invitations extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .alterTable('organizations', (t) => {
          t.text('approvals_channel_id').nullable();
        })
        .createTable('invitations', (t) => {
          baseColumns(t);
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('email').notNullable();
          t.text('open_email').nullable();
          t.enu('role', ['admin', 'member']).notNullable();
          t.text('status').notNullable();
          t.text('reason').nullable();
          t.text('inviter_member_id').notNullable();
          t.text('inviter_slack_user_id').nullable();
          t.text('inviter_email').notNullable();
          t.text('invitee_slack_user_id').nullable();
          t.text('token_hash').nullable().unique({ indexName: 'invitations_token_hash_unique' });
          t.datetime('sent_at').nullable();
          t.datetime('expires_at').nullable();
          t.text('decided_by_member_id').nullable();
          t.text('decided_by_slack_user_id').nullable();
          t.datetime('decided_at').nullable();
          t.text('deny_reason').nullable();
          t.text('accepted_member_id').nullable();
          t.datetime('closed_at').nullable();
          t.index(['organization_id'], 'invitations_organization_id_index');
          t.unique(['organization_id', 'open_email'], {
            indexName: 'invitations_organization_open_email_unique',
          });
          t.index(['organization_id', 'created_at'], 'invitations_organization_created_at_index');
        })
        .createTable('invitation_messages', (t) => {
          t.text('id').notNullable().primary();
          t.text('invitation_id')
            .notNullable()
            .references('id')
            .inTable('invitations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.enu('purpose', ['approval', 'invitee']).notNullable();
          t.text('channel_id').notNullable();
          t.text('ts').notNullable();
          t.datetime('created_at').notNullable();
          t.index(['invitation_id'], 'invitation_messages_invitation_id_index');
          t.unique(['channel_id', 'ts'], { indexName: 'invitation_messages_channel_ts_unique' });
        })
        .createTable('mail_outbox', (t) => {
          t.text('id').notNullable().primary();
          t.text('organization_id')
            .notNullable()
            .references('id')
            .inTable('organizations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('invitation_id')
            .notNullable()
            .references('id')
            .inTable('invitations')
            .onDelete('cascade')
            .onUpdate('cascade');
          t.text('recipient').notNullable();
          t.json('data').notNullable();
          t.text('sealed_token').nullable();
          t.text('status').notNullable();
          t.integer('attempts').notNullable();
          t.text('last_error').nullable();
          t.datetime('next_attempt_at').notNullable();
          t.datetime('locked_until').nullable();
          t.text('message_id').notNullable().unique({ indexName: 'mail_outbox_message_id_unique' });
          t.datetime('sent_at').nullable();
          t.datetime('created_at').notNullable();
          t.datetime('updated_at').notNullable();
          t.index(['organization_id'], 'mail_outbox_organization_id_index');
          t.index(['invitation_id'], 'mail_outbox_invitation_id_index');
          t.index(['status', 'next_attempt_at'], 'mail_outbox_status_next_attempt_at_index');
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .dropTable('mail_outbox')
        .dropTable('invitation_messages')
        .dropTable('invitations')
        .alterTable('organizations', (t) => {
          t.dropColumn('approvals_channel_id');
        }),
    );
  }
}
