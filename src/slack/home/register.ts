import type { ListenerTables } from '../shared/dispatch.js';
import { appHomeOpened } from './app-home-opened.event.js';
import { HOME_ACTIONS } from './home.blocks.js';
import { homeOpenModal } from './home-open-modal.action.js';

/** The App Home tab: `app_home_opened`, and its quick actions that open the invite and rename modals. */
export function register(tables: ListenerTables): void {
  tables.event('app_home_opened', appHomeOpened);
  tables.button(HOME_ACTIONS.invite, homeOpenModal);
  tables.button(HOME_ACTIONS.rename, homeOpenModal);
}
