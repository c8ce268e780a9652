/**
 * Child process of the benchmark: the Slack side. Runs the loopback Slack stand-in (the Web API the apps call:
 * `auth.test` at their first request, `users.info` if a user is not linked yet) and a `response_url` sink that
 * answers every POST with 200 at once and counts them. Prints one line `READY <json>` with the URLs, then runs until
 * SIGTERM.
 *
 * Environment: `SIGNING_SECRET`, `BOT_TOKEN`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SlackStandIn } from '../../src/standin/index.js';

/** What the sink's `GET /stats` answers. */
export interface SinkStats {
  /** POSTs received, in all. */
  posts: number;
  /** Bytes of POST bodies received, in all. */
  bytes: number;
}

/** The line this process prints once ready (after `READY `). */
export interface SlackSideReady {
  apiUrl: string;
  sinkUrl: string;
  teamId: string;
  /** The bot user of the stand-in's workspace (the `authorizations` of an Events API delivery name it). */
  botUserId: string;
}

async function main(): Promise<void> {
  const signingSecret = process.env.SIGNING_SECRET;
  const botToken = process.env.BOT_TOKEN;
  if (!signingSecret || !botToken) throw new Error('SIGNING_SECRET and BOT_TOKEN are required');
  const slack = new SlackStandIn({ signingSecret, botToken });
  await slack.start();

  const stats: SinkStats = { posts: 0, bytes: 0 };
  const sink = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(stats));
      return;
    }
    req.on('data', (chunk: Buffer) => {
      stats.bytes += chunk.length;
    });
    req.on('end', () => {
      stats.posts += 1;
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  sink.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const port = (sink.address() as AddressInfo).port;

  const ready: SlackSideReady = {
    apiUrl: slack.apiUrl,
    sinkUrl: `http://127.0.0.1:${port}`,
    teamId: slack.team.id,
    botUserId: slack.botUserId,
  };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);

  process.once('SIGTERM', () => {
    sink.closeAllConnections();
    sink.close();
    void slack.stop().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`slack side failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
