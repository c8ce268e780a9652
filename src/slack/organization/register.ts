import { nudgeMuteClick } from '../nudges/mutes.action.js';
import { NUDGE_MUTE_ACTIONS } from '../nudges/mutes.blocks.js';
import { nudges } from '../nudges/mutes.command.js';
import type { ListenerTables } from '../shared/dispatch.js';
import { AUDIT_PAGE_ACTION } from './audit.blocks.js';
import { audit } from './audit.command.js';
import { auditPage } from './audit-page.action.js';
import { overview } from './overview.command.js';
import { RENAME_VIEW } from './rename.blocks.js';
import { rename } from './rename.command.js';
import { renameSubmission } from './rename.view.js';
import { setup } from './setup.command.js';

/**
 * The organization itself: `/org setup`, `/org overview`, `/org rename` (and its modal), `/org audit` (its
 * pager, and `/org audit export`), `/org nudges` (each Admin's mutes of hygiene nudges, and their buttons).
 */
export function register(tables: ListenerTables): void {
  tables.subcommand('setup', {
    handler: setup,
    help: [
      {
        usage: '/org setup [name]',
        summary: 'Create the organization for this workspace',
        audience: 'setup',
      },
    ],
  });
  tables.subcommand('overview', {
    handler: overview,
    help: [
      {
        usage: '/org overview',
        summary: 'Name, organization ID, team members, data layers, data sources',
        audience: 'member',
      },
    ],
  });
  tables.subcommand('rename', {
    handler: rename,
    help: [
      {
        usage: '/org rename [name]',
        summary: 'Change the display name (a form opens without a name)',
        audience: 'admin',
      },
    ],
  });
  tables.view(RENAME_VIEW.callbackId, renameSubmission);
  tables.subcommand('audit', {
    handler: audit,
    help: [
      { usage: '/org audit [page]', summary: 'The audit log, newest first', audience: 'admin' },
      {
        usage: '/org audit export [days]',
        summary:
          'The audit log of the last days (30 by default, at most 365) as a JSON-lines file in your DM',
        audience: 'admin',
      },
    ],
  });
  tables.button(`${AUDIT_PAGE_ACTION}_prev`, auditPage);
  tables.button(`${AUDIT_PAGE_ACTION}_next`, auditPage);
  tables.subcommand('nudges', {
    handler: nudges,
    help: [
      {
        usage: '/org nudges [mute|unmute <kind>]',
        summary: 'Your hygiene nudges: which you get, which you muted (for you alone)',
        audience: 'admin',
      },
    ],
  });
  tables.button(NUDGE_MUTE_ACTIONS.mute, nudgeMuteClick);
  tables.button(NUDGE_MUTE_ACTIONS.unmute, nudgeMuteClick);
}
