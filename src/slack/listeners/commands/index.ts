import type { App } from '@slack/bolt';
import type { OrgContext } from '../../context.js';
import { orgCommand } from '../../shared/org-command.js';

/** The slash commands this app registers (checked against slack-manifest.yml). */
export const COMMAND_NAMES = ['/org'] as const;

export function register(app: App<OrgContext>): void {
  app.command('/org', orgCommand);
}
