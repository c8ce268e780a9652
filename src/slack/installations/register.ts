import type { ListenerTables } from '../shared/dispatch.js';
import { appUninstalled } from './app-uninstalled.event.js';

/**
 * Installations (distribution mode): `app_uninstalled` and `tokens_revoked` delete the installation's tokens. The
 * install flow's pages are HTTP routes (install-routes.ts), wired by src/app.ts.
 */
export function register(tables: ListenerTables): void {
  tables.event('app_uninstalled', appUninstalled);
  tables.event('tokens_revoked', appUninstalled);
}
