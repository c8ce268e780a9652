import type { App } from '@slack/bolt';
import type { OrgContext } from './context.js';
import * as actions from './listeners/actions/index.js';
import * as commands from './listeners/commands/index.js';
import * as events from './listeners/events/index.js';
import * as views from './listeners/views/index.js';

/** Wires every listener into the app. */
export function registerListeners(app: App<OrgContext>): void {
  commands.register(app);
  actions.register(app);
  views.register(app);
  events.register(app);
}
