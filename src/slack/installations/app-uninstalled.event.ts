import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { OrgContext } from '../context.js';

type UninstallArgs = (
  | SlackEventMiddlewareArgs<'app_uninstalled'>
  | SlackEventMiddlewareArgs<'tokens_revoked'>
) &
  AllMiddlewareArgs<OrgContext>;

/**
 * `app_uninstalled` (docs.slack.dev/reference/events/app_uninstalled) and `tokens_revoked`
 * (docs.slack.dev/reference/events/tokens_revoked, when it names bot tokens): the workspace, or the enterprise for
 * an org-wide install, removed the app or revoked its tokens. The installation's tokens are deleted at once, as
 * Slack asks of distributed apps; the organizations and their data stay, and a reinstall binds back to them. Bolt
 * calls no `authorize` for these events, so they arrive after the tokens stopped working. A retry finds nothing to
 * delete and changes nothing.
 */
export async function appUninstalled({ event, context }: UninstallArgs): Promise<void> {
  if (event.type === 'tokens_revoked' && (event.tokens.bot ?? []).length === 0) return;
  const target = {
    teamId: typeof context.teamId === 'string' ? context.teamId : undefined,
    enterpriseId: typeof context.enterpriseId === 'string' ? context.enterpriseId : undefined,
    isEnterpriseInstall: context.isEnterpriseInstall === true,
  };
  if (!target.teamId && !target.enterpriseId) return;
  const deleted = await context.services.installations.deleteTokens(target, event.type);
  context.log[deleted ? 'info' : 'debug'](
    { ...target, event: event.type },
    deleted ? 'installation tokens deleted' : 'no installed tokens to delete',
  );
}
