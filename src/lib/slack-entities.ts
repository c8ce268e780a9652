/**
 * Slack's three escaped characters (https://api.slack.com/reference/surfaces/formatting#escaping): `&`, `<` and `>`
 * travel as `&amp;`, `&lt;` and `&gt;` in mrkdwn and in slash-command text. Used by the Slack side (src/slack/shared/text.ts)
 * and by the console, which types commands and reads replies as Slack's client does. A leaf module.
 */

/** Escapes text for Slack mrkdwn and plain_text fields that are rendered by Slack (`&`, `<`, `>`). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Decodes the three entities Slack escapes. `&amp;` goes last so `&amp;lt;` stays `&lt;`. */
export function decodeEntities(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
