/**
 * Slack syntax that must not reach the REST API or the page: user, channel and special mentions, bold and italic
 * mrkdwn, code spans, `/org` hints and emoji codes.
 */
const SLACK_SYNTAX: Array<[string, RegExp]> = [
  ['user mention', /<@/],
  ['channel reference', /<#/],
  ['special mention', /<!/],
  ['bold', /\*[^*\s][^*]*\*/],
  ['italic', /(^|\s)_[^_\s][^_]*_(\s|$|[.,:;])/],
  ['code span', /`/],
  ['command hint', /\/org\b/],
  ['emoji code', /:[a-z0-9_+-]+:/],
];

/** The Slack syntax found in `text`, by name. */
export function slackSyntaxIn(text: string): string[] {
  return SLACK_SYNTAX.filter(([, pattern]) => pattern.test(text)).map(([name]) => name);
}
