/**
 * The install flow's two pages (distribution mode), served beside `/slack/events`: `GET /slack/install` (an "Add to
 * Slack" page that starts Slack's OAuth v2 flow with a fresh, single-use `state` bound to the browser by a cookie)
 * and `GET /slack/oauth_redirect` (Slack sends the browser back here with a `code`; `@slack/oauth` checks the state,
 * exchanges the code with `oauth.v2.access` and stores the installation). Both pages say what happened and what to
 * do next. docs.slack.dev/authentication/installing-with-oauth
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CustomRoute } from '@slack/bolt';
import type { CodedError, Installation, InstallURLOptions, OrgInstallation } from '@slack/oauth';
import type { Orm } from '../../db/orm.js';
import { Organization } from '../../domain/organizations/organization.entity.js';
import type { Logger } from '../../logger.js';
import type { InstallationAccess } from './slack-access.js';

/** The install page's path. */
export const INSTALL_PATH = '/slack/install';
/** The OAuth redirect's path (the manifest's `oauth_config.redirect_urls` holds `PUBLIC_URL` + this). */
export const REDIRECT_PATH = '/slack/oauth_redirect';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A small HTML page: a title and paragraphs (already escaped HTML). */
function page(title: string, paragraphs: string[]): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · AstroBee Org</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d3557}
a.button{display:inline-block;padding:.6rem 1.2rem;background:#4a154b;color:#fff;border-radius:.3rem;text-decoration:none}
code{background:#f1f1f1;padding:0 .2rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${paragraphs.map((p) => `<p>${p}</p>`).join('\n')}
</body></html>`;
}

/** The "Add to Slack" page: one link to Slack's authorize URL (which carries the state). */
export function installPage(authorizeUrl: string): string {
  return page('Add AstroBee Org to Slack', [
    'AstroBee Org lets your team manage its AstroBee organization from Slack: members and roles, invitations, and API clients.',
    `<a class="button" href="${escapeHtml(authorizeUrl)}">Add to Slack</a>`,
    'Slack asks you to pick a workspace and approve what the app may do. This link works once, for 10 minutes.',
  ]);
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
  });
  res.end(html);
}

/** The failure page of the OAuth redirect for one error, and its status. */
export function failurePage(error: CodedError, installPath: string): { status: number; html: string } {
  const again = `<a href="${escapeHtml(installPath)}">Start the installation again</a>.`;
  const slackError = (error as { data?: { error?: unknown } }).data?.error;
  switch (error.code) {
    case 'slack_oauth_installer_authorization_error':
      return {
        status: 400,
        html: page('Installation cancelled', [
          'You cancelled the installation in Slack, so nothing was installed.',
          `Changed your mind? ${again}`,
        ]),
      };
    case 'slack_oauth_invalid_state':
    case 'slack_oauth_missing_state':
      return {
        status: 400,
        html: page('This installation link is no longer valid', [
          'It expired (links work for 10 minutes), was already used, or was started in another browser. Nothing was installed.',
          again,
        ]),
      };
    case 'slack_oauth_missing_code':
      return {
        status: 400,
        html: page('Slack did not send an authorization code', [
          'This page is where Slack sends you back after you approve the app; it was opened without one. Nothing was installed.',
          again,
        ]),
      };
    default:
      return {
        status: 502,
        html: page('The installation could not be finished', [
          typeof slackError === 'string'
            ? `Slack refused to complete it (<code>${escapeHtml(slackError)}</code>). Nothing was installed.`
            : 'Something went wrong while completing it with Slack. Nothing was installed.',
          `${again} If it keeps failing, tell the operator of this AstroBee Org server.`,
        ]),
      };
  }
}

/**
 * The install routes, for the app's HTTP server (Bolt's `customRoutes` shape).
 * @param deps `access` (the InstallProvider and store), `orm` (to say on the success page whether an organization
 *   is bound already), `logger`
 */
export function installRoutes(deps: { access: InstallationAccess; orm: Orm; logger: Logger }): CustomRoute[] {
  const log = deps.logger.child({ component: 'install' });
  const { installer } = deps.access;

  const success = async (
    installation: Installation | OrgInstallation,
    _options: InstallURLOptions,
    _req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const orgWide = installation.isEnterpriseInstall === true;
    const where = orgWide
      ? `every workspace of ${installation.enterprise?.name ?? installation.enterprise?.id ?? 'your enterprise'}`
      : (installation.team?.name ?? installation.team?.id ?? 'your workspace');
    const em = deps.orm.em.fork();
    const organization =
      !orgWide && installation.team?.id
        ? await em.findOne(Organization, { slackTeamId: installation.team.id })
        : null;
    log.info(
      { teamId: installation.team?.id, enterpriseId: installation.enterprise?.id, orgWide },
      'AstroBee Org installed',
    );
    const next = organization
      ? `Your organization <strong>${escapeHtml(organization.name)}</strong> (<code>${escapeHtml(organization.id)}</code>) is connected again, with all its data. Type <code>/org</code> in Slack to go on.`
      : `Next, in Slack: a workspace admin or owner types <code>/org setup</code> in any channel to create the workspace's organization${orgWide ? ' (each workspace of the enterprise sets up its own)' : ''}. Then <code>/org help</code> shows what the team can do.`;
    send(
      res,
      200,
      page('AstroBee Org is installed', [`AstroBee Org is now installed in ${escapeHtml(where)}.`, next]),
    );
  };

  const failure = async (
    error: CodedError,
    _options: InstallURLOptions,
    _req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> => {
    const { status, html } = failurePage(error, INSTALL_PATH);
    log[status === 400 ? 'info' : 'warn']({ code: error.code, reason: error.message }, 'installation failed');
    send(res, status, html);
  };

  return [
    {
      path: INSTALL_PATH,
      method: ['GET'],
      handler: (req, res) => {
        installer.handleInstallPath(req, res).catch((err: unknown) => {
          log.error({ err }, 'the install page failed');
          if (!res.headersSent) send(res, 500, page('The install page failed', ['Try again in a moment.']));
        });
      },
    },
    {
      path: REDIRECT_PATH,
      method: ['GET'],
      handler: (req, res) => {
        installer
          .handleCallback(req, res, { successAsync: success, failureAsync: failure })
          .catch((err: unknown) => {
            log.error({ err }, 'the OAuth redirect failed');
            if (!res.headersSent)
              send(res, 500, page('The installation could not be finished', ['Try again.']));
          });
      },
    },
  ];
}
