/**
 * A stand-in of Slack for trying distribution mode by hand: two workspaces (Acme Rockets and Birch Labs, invented)
 * that have not installed the app yet, Slack's OAuth v2 authorize page and `oauth.v2.access` for one registered app,
 * and `POST /standin/command` to type `/org …` as any of their people. `npm run standin` runs it (src/standin/cli.ts).
 */
import { randomBytes } from 'node:crypto';
import { SlackStandIn } from './slack-standin.js';
import type { StandInLogger } from './types.js';

/** The demo's workspaces: the first admin of each installs the app. */
export const DEMO_WORKSPACES = [
  {
    team: { id: 'T0ACME', name: 'Acme Rockets', domain: 'acme-rockets' },
    users: [
      { id: 'U0AVA', name: 'ava', realName: 'Ava Stone', email: 'ava@example.com', isAdmin: true },
      { id: 'U0ALF', name: 'alf', realName: 'Alf Brook', email: 'alf@example.com' },
    ],
  },
  {
    team: { id: 'T0BIRCH', name: 'Birch Labs', domain: 'birch-labs' },
    users: [
      { id: 'U0BEA', name: 'bea', realName: 'Bea Field', email: 'bea@example.com', isAdmin: true },
      { id: 'U0BEN', name: 'ben', realName: 'Ben Hart', email: 'ben@example.com' },
    ],
  },
] as const;

/** The demo app's client credentials (invented; the stand-in accepts only these). */
export const DEMO_APP = {
  clientId: '1000000000.2000000000',
  clientSecret: 'demo-client-secret-not-for-production',
};

/** A running demo: the stand-in, and the environment to give the app. */
export interface StandInDemo {
  standin: SlackStandIn;
  /** `SLACK_API_URL`, `SLACK_AUTHORIZE_URL`, `SLACK_CLIENT_ID`, `SLACK_CLIENT_SECRET`, `SLACK_SIGNING_SECRET`. */
  appEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * Starts the demo stand-in.
 * @param options `port` (default 0: a free one), `appUrl` (the app's base URL, whose `/slack/events` receives the
 *   payloads and `/slack/oauth_redirect` the installs; default `http://127.0.0.1:3000`), `signingSecret` (default
 *   random), `logger`
 * @throws Error when the port is taken
 */
export async function startStandInDemo(
  options: { port?: number; appUrl?: string; signingSecret?: string; logger?: StandInLogger } = {},
): Promise<StandInDemo> {
  const appUrl = (options.appUrl ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const [first, ...others] = DEMO_WORKSPACES;
  const standin = new SlackStandIn({
    signingSecret: options.signingSecret ?? randomBytes(24).toString('hex'),
    team: first.team,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  await standin.start();
  for (const user of first.users) standin.addUser(user);
  for (const { team, users } of others) {
    const workspace = standin.addWorkspace({ team });
    for (const user of users) workspace.addUser(user);
  }
  standin.oauthApp({ ...DEMO_APP, redirectUri: `${appUrl}/slack/oauth_redirect` });
  standin.deliverTo({ kind: 'http', url: `${appUrl}/slack/events` });
  return {
    standin,
    appEnv: {
      SLACK_API_URL: standin.apiUrl,
      SLACK_AUTHORIZE_URL: standin.authorizeUrl,
      SLACK_CLIENT_ID: DEMO_APP.clientId,
      SLACK_CLIENT_SECRET: DEMO_APP.clientSecret,
      SLACK_SIGNING_SECRET: standin.signingSecret,
      // The stand-in has no mail server: mail is off on purpose (invitations still reach invitees in Slack).
      MAIL_DISABLED: 'true',
    },
    stop: () => standin.stop(),
  };
}
