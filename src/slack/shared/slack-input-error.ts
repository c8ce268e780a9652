/**
 * A refusal worded by the Slack side itself, for input only Slack has (command arguments, mentions, channels, stale
 * buttons): its text is mrkdwn already. Listeners throw it like a domain error; `slackRefusal` (error-texts.ts)
 * reads both.
 */
export class SlackInputError extends Error {
  /** The input the refusal is about (a modal shows it under that field). */
  readonly field?: string;

  /**
   * @param text the refusal in mrkdwn
   * @param field the input it is about, if any
   * @param code for logs: `invalid_input`, or the domain code it stands for (`slack_user_unknown`…)
   */
  constructor(
    text: string,
    field?: string,
    readonly code = 'invalid_input',
  ) {
    super(text);
    this.name = 'SlackInputError';
    if (field !== undefined) this.field = field;
  }
}
