import type { App } from '@slack/bolt';
import type { OrgContext } from '../../context.js';
import { appHomeOpened } from './app-home-opened.js';
import { appUninstalled } from './app-uninstalled.js';
import { userChange } from './user-change.js';

/** The Events API events this app subscribes to (checked against slack-manifest.yml). */
export const EVENT_NAMES = ['app_home_opened', 'user_change', 'app_uninstalled', 'tokens_revoked'] as const;

export function register(app: App<OrgContext>): void {
  app.event('app_home_opened', appHomeOpened);
  app.event('user_change', userChange);
  app.event('app_uninstalled', appUninstalled);
  app.event('tokens_revoked', appUninstalled);
}
