import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';
import { payloadIdentity } from './context.js';
import { isRateLimited, isSlackUnavailable } from './deliveries/slack-errors.js';
import { slackRefusal } from './error-texts.js';
import { plainMessage } from './shared/common.blocks.js';
import { postToResponseUrl, replyPrivately } from './shared/reply.js';
import { sanitizeMrkdwn } from './shared/text.js';

/** What Bolt passes an extended error handler (`extendedErrorHandler: true`). */
export interface ErrorHandlerArgs {
  error: Error;
  body: unknown;
  context: Record<string, unknown>;
}

/** The errors a Bolt error may carry: itself, its `original`, or each of `originals`. */
function unwrap(error: Error): Error[] {
  const e = error as Error & { original?: Error; originals?: Error[] };
  if (Array.isArray(e.originals)) return e.originals.flatMap(unwrap);
  if (e.original instanceof Error) return unwrap(e.original);
  return [error];
}

/**
 * The one `app.error` handler (Bolt's extended error handler). A domain error (worded by `SLACK_ERROR_TEXTS`) or a
 * `SlackInputError` is the user's to read: it is sent to them privately. A rate-limited direct Web API call (a 429
 * on `views.open`, say) gets a calm "Slack is busy, try again in a few seconds" and a warning in the log; a call Slack
 * could not answer (5xx, timeout, network error) gets "Slack did not answer just now" with a reference. Anything
 * else is logged with a reference id and the user gets a short apology that quotes it. No error passes silently.
 */
export function createErrorHandler(deps: {
  logger: Logger;
  /** The Web API client for the payload's workspace; undefined when the app is not installed there. */
  clientFor: (body: unknown) => Promise<WebClient | undefined>;
  /** Where a workspace admin installs the app again (distribution mode: `PUBLIC_URL/slack/install`). */
  installUrl?: string;
}) {
  return async ({ error, body, context }: ErrorHandlerArgs): Promise<void> => {
    const identity = payloadIdentity({ body } as Parameters<typeof payloadIdentity>[0]);
    const requestId = typeof context.requestId === 'string' ? context.requestId : 'unknown';
    const log = deps.logger.child({
      requestId,
      teamId: identity.teamId,
      userId: identity.userId,
      payload: identity.type,
    });
    const errors = unwrap(error);
    const notInstalled = errors.find((e) => e.name === 'NotInstalledError');
    if (notInstalled) {
      const uninstalled = (notInstalled as Error & { uninstalled?: boolean }).uninstalled === true;
      // Distribution mode, a workspace without the app (uninstalled, tokens revoked): no token to act with, so the
      // answer can only go to the payload's response_url.
      log.info('payload from a workspace where the app is not installed');
      const responseUrl = (body as { response_url?: unknown }).response_url;
      if (typeof responseUrl !== 'string') return;
      const where = deps.installUrl ? ` at ${deps.installUrl}` : '';
      await postToResponseUrl(
        responseUrl,
        plainMessage(
          uninstalled
            ? `:warning: AstroBee Org is not installed in this workspace any more, so it cannot act here. A workspace admin can install it again${where}: the organization and its data were kept.`
            : `:warning: AstroBee Org is not installed in this workspace, so it cannot act here. A workspace admin can install it${where}.`,
        ),
      ).catch((err: unknown) => log.warn({ err }, 'could not tell the user the app is not installed'));
      return;
    }
    const refusals = errors.map((e) => slackRefusal(e));
    const domain = refusals.find((r) => r !== undefined);
    const busy = !domain && errors.some((e) => isRateLimited(e));
    const unavailable = !domain && !busy && errors.some((e) => isSlackUnavailable(e));
    const unexpected = errors.filter(
      (e, i) => refusals[i] === undefined && !isRateLimited(e) && !isSlackUnavailable(e),
    );
    for (const e of unexpected) log.error({ err: e }, 'listener failed');
    let message = plainMessage(
      `Sorry, something went wrong on our side and nothing may have been done. Reference: \`${requestId}\`.`,
    );
    if (domain) {
      // Mentions, channel references and dates stay links; anything else (`<!channel>`, links) is escaped.
      message = plainMessage(sanitizeMrkdwn(domain.text, ['user', 'channel', 'date']));
      log.info({ code: domain.code }, 'refused');
    } else if (busy) {
      // A direct call (views.open, users.info…) met Slack's rate limit: not a failure of ours, so no apology.
      message = plainMessage(':hourglass: Slack is busy right now. Try again in a few seconds.');
      log.warn({ errors: errors.map((e) => e.message) }, 'rate limited by Slack on a direct call');
    } else if (unavailable && unexpected.length === 0) {
      // Slack answered 5xx or not at all: say so plainly; the reference still leads to the log line.
      message = plainMessage(
        `:warning: Slack did not answer just now, so this could not be finished. Try again in a moment. Reference: \`${requestId}\`.`,
      );
      log.warn({ errors: errors.map((e) => e.message) }, 'Slack unavailable on a direct call');
    }
    const responseUrl = (body as { response_url?: unknown }).response_url;
    if (!identity.userId) return;
    try {
      const client = await deps.clientFor(body);
      if (!client && typeof responseUrl !== 'string') return;
      await replyPrivately(
        client as WebClient,
        { userId: identity.userId, responseUrl: typeof responseUrl === 'string' ? responseUrl : undefined },
        message,
      );
    } catch (err) {
      log.error({ err }, 'could not tell the user about an error');
    }
  };
}
