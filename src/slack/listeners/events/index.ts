import type { App } from '@slack/bolt';
import type { OrgContext } from '../../context.js';
import { appHomeOpened } from '../../home/app-home-opened.event.js';
import { userChange } from '../../members/user-change.event.js';

/** The Events API events this app subscribes to (checked against slack-manifest.yml). */
export const EVENT_NAMES = ['app_home_opened', 'user_change'] as const;

export function register(app: App<OrgContext>): void {
  app.event('app_home_opened', appHomeOpened);
  app.event('user_change', userChange);
}
