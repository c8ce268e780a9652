import type { ListenerTables } from '../shared/dispatch.js';
import {
  clientCancelButton,
  clientCreateButton,
  clientLifecycleButton,
  clientPageButton,
  clientRotateButton,
} from './client-buttons.action.js';
import { clientCreateSubmission } from './client-create.view.js';
import { clientScopesButton, clientScopesSubmission } from './client-scopes.js';
import { CLIENT_ACTIONS, CREATE_CLIENT_VIEW, EDIT_SCOPES_VIEW } from './clients.blocks.js';
import { clients } from './clients.command.js';

/** The OAuth API clients: `/org clients …`, the row and pager buttons, and the create-client modal. */
export function register(tables: ListenerTables): void {
  tables.subcommand('clients', {
    handler: clients,
    help: [
      {
        usage: '/org clients [page]',
        summary:
          'The OAuth API clients: status, scopes, last used; enable, disable, edit scopes, rotate, delete',
        audience: 'admin',
      },
      {
        usage: '/org clients create [name] [--scopes a,b]',
        summary:
          'New API client (by default the read scopes); its secret is shown to you alone, once (a form opens without a name)',
        audience: 'admin',
      },
      {
        usage: '/org clients <enable|disable|rotate|delete> <client id>',
        summary: 'Change a client, as the buttons do (delete asks you to confirm first)',
        audience: 'admin',
      },
    ],
  });
  tables.button(CLIENT_ACTIONS.enable, clientLifecycleButton);
  tables.button(CLIENT_ACTIONS.disable, clientLifecycleButton);
  tables.button(CLIENT_ACTIONS.delete, clientLifecycleButton);
  tables.button(CLIENT_ACTIONS.rotate, clientRotateButton);
  tables.button(CLIENT_ACTIONS.scopes, clientScopesButton);
  tables.button(CLIENT_ACTIONS.create, clientCreateButton);
  tables.button(CLIENT_ACTIONS.cancel, clientCancelButton);
  tables.button(`${CLIENT_ACTIONS.page}_prev`, clientPageButton);
  tables.button(`${CLIENT_ACTIONS.page}_next`, clientPageButton);
  tables.view(CREATE_CLIENT_VIEW.callbackId, clientCreateSubmission);
  tables.view(EDIT_SCOPES_VIEW.callbackId, clientScopesSubmission);
}
