/**
 * Child process of the benchmark: the baseline. A bare Bolt 5 app on the HTTP receiver, same signing secret and
 * same Web API stand-in as ours, whose `/org` listener only acks and whose `message` listener does nothing (the
 * baseline of the leaked-secret guard's benchmark, test/bench/messages.ts). Prints `READY` once listening.
 *
 * Environment: `SLACK_BOT_TOKEN`, `SLACK_SIGNING_SECRET`, `SLACK_API_URL`, `PORT`.
 */
import { App, LogLevel } from '@slack/bolt';

async function main(): Promise<void> {
  const {
    SLACK_BOT_TOKEN: token,
    SLACK_SIGNING_SECRET: signingSecret,
    SLACK_API_URL: slackApiUrl,
  } = process.env;
  const port = Number(process.env.PORT);
  if (!token || !signingSecret || !slackApiUrl || !port) {
    throw new Error('SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL and PORT are required');
  }
  const app = new App({ token, signingSecret, clientOptions: { slackApiUrl }, logLevel: LogLevel.WARN });
  app.command('/org', async ({ ack }) => {
    await ack();
  });
  // Bolt acknowledges an Events API delivery itself, before the listeners run.
  app.message(async () => {});
  await app.start({ port, host: '127.0.0.1' });
  process.stdout.write('READY\n');
  process.once('SIGTERM', () => {
    void app.stop().then(() => process.exit(0));
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`bare app failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
