import type { App } from '@slack/bolt';
import type { OrgContext } from '../context.js';
import * as actions from './actions/index.js';
import * as commands from './commands/index.js';
import * as events from './events/index.js';
import * as views from './views/index.js';

/** Wires every listener into the app. */
export function registerListeners(app: App<OrgContext>): void {
  commands.register(app);
  actions.register(app);
  views.register(app);
  events.register(app);
}
