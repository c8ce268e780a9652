import type { ListenerTables } from '../shared/dispatch.js';
import { nudgeDismiss } from './nudge-dismiss.action.js';
import { NUDGE_ACTIONS } from './nudges.blocks.js';

/**
 * The nudge DMs' own button ("Nothing to do" / "Keep"); their other buttons are the features' own (clients,
 * invitations, approvals) and are registered there.
 */
export function register(tables: ListenerTables): void {
  tables.button(NUDGE_ACTIONS.dismiss, nudgeDismiss);
}
