import type { ListenerTables } from '../shared/dispatch.js';
import { messageEvent } from './message.event.js';

/** The leaked-secret guard: the `message` event (posts and edits in every conversation the bot is in). */
export function register(tables: ListenerTables): void {
  tables.event('message', messageEvent);
}
