/**
 * `npm run standin`: the demo stand-in of Slack (src/standin/demo.ts) on `STANDIN_PORT` (default 4000), delivering
 * to the app at `APP_URL` (default `http://127.0.0.1:3000`). Prints the environment to start the app with in
 * distribution mode, then runs until Ctrl-C.
 */
import { DEMO_WORKSPACES, startStandInDemo } from './demo.js';

const port = Number(process.env.STANDIN_PORT ?? 4000);
const appUrl = process.env.APP_URL ?? 'http://127.0.0.1:3000';
const demo = await startStandInDemo({ port, appUrl });
const env = Object.entries(demo.appEnv)
  .map(([k, v]) => `${k}=${v}`)
  .join(' \\\n  ');
const base = demo.standin.baseUrl;
process.stdout.write(
  [
    `Slack stand-in on ${base}, delivering to ${appUrl}/slack/events.`,
    `Workspaces (not installed yet): ${DEMO_WORKSPACES.map((w) => `${w.team.name} (${w.team.id}: ${w.users.map((u) => u.name).join(', ')})`).join('; ')}.`,
    '',
    'Start the app in distribution mode, in another terminal (make the two secrets once and keep them: a restart',
    'with another INSTALLATION_KEY cannot open the tokens stored before, and the workspaces must install again):',
    '  export SLACK_STATE_SECRET="$(openssl rand -base64 48)" INSTALLATION_KEY="$(openssl rand -base64 48)"',
    `  ${env} \\`,
    `  PUBLIC_URL=${appUrl} PORT=${new URL(appUrl).port || 80} npm start`,
    '',
    `Install: open ${appUrl}/slack/install in a browser, click "Add to Slack", pick a workspace.`,
    `Type /org as someone: curl -s ${base}/standin/command -d '{"team":"T0ACME","user":"ava","text":"setup Acme Analytics"}'`,
    'Ctrl-C stops the stand-in.',
    '',
  ].join('\n'),
);
const stop = () => {
  demo.stop().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
