import { DomainError, renderDomainError } from '../../src/domain/errors.js';
import { SLACK_ERROR_TEXTS } from '../../src/slack/error-texts.js';

/**
 * The domain error `run` throws (or its promise rejects with), as the Slack side words it: what a Slack user reads.
 * @throws the thrown value when it is not a domain error, or an Error when nothing was thrown
 */
export async function slackTextOf(run: Promise<unknown> | (() => unknown)): Promise<string> {
  let thrown: unknown;
  try {
    await (typeof run === 'function' ? run() : run);
  } catch (err) {
    thrown = err;
  }
  if (thrown === undefined) throw new Error('expected a domain error, nothing was thrown');
  if (!(thrown instanceof DomainError)) throw thrown;
  return renderDomainError(SLACK_ERROR_TEXTS, thrown);
}
