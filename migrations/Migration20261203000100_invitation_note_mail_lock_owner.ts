import { Migration } from '@mikro-orm/migrations';
import { addSchema } from './schema-builder.js';

/**
 * The inviting Admin's note on an invitation (shown in the mail, the page and the invitee's DM), and the owner of
 * an outbox row's claim (the worker instance that holds `locked_until`), so a restarted process can release the
 * claims of the one before it.
 */
export class Migration20261203000100_invitation_note_mail_lock_owner extends Migration {
  override up(): void {
    addSchema(this, (s) =>
      s
        .alterTable('invitations', (t) => {
          t.text('note').nullable();
        })
        .alterTable('mail_outbox', (t) => {
          t.text('locked_by').nullable();
        }),
    );
  }

  override down(): void {
    addSchema(this, (s) =>
      s
        .alterTable('mail_outbox', (t) => {
          t.dropColumn('locked_by');
        })
        .alterTable('invitations', (t) => {
          t.dropColumn('note');
        }),
    );
  }
}
