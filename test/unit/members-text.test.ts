import { describe, expect, it } from 'vitest';
import { SlackInputError } from '../../src/slack/shared/slack-input-error.js';
import { memberReferenceArg, parseCommand } from '../../src/slack/shared/text.js';

const USAGE = '/org remove @someone';
const ref = (text: string) => memberReferenceArg(parseCommand(`remove ${text}`).args[0], USAGE);

describe('memberReferenceArg', () => {
  it('reads every form Slack sends for a person or an email', () => {
    expect(ref('<@U0BOB>')).toEqual({ slackUserId: 'U0BOB', display: '<@U0BOB>' });
    expect(ref('<@U0BOB|bob>')).toEqual({ slackUserId: 'U0BOB', display: '<@U0BOB>' });
    expect(ref('<@W0BOB|Bob Quill>')).toEqual({ slackUserId: 'W0BOB', display: '<@W0BOB>' });
    expect(ref('<mailto:Bob@Example.com|Bob@Example.com>')).toEqual({ email: 'bob@example.com' });
    expect(ref('BOB@example.com')).toEqual({ email: 'bob@example.com' });
    expect(ref('\u201cbob@example.com\u201d')).toEqual({ email: 'bob@example.com' });
  });

  it('refuses a bare @name rather than guessing who it is', () => {
    expect(() => ref('@bob')).toThrow(SlackInputError);
    expect(() => ref('@bob')).toThrow(/`@bob` arrived as plain text, not as a Slack mention/);
  });

  it('refuses a missing argument, a channel, a link and other words, saying how to name someone', () => {
    expect(() => memberReferenceArg(undefined, USAGE)).toThrow(/Who\? .*`\/org remove @someone`/);
    expect(() => ref('<#C0GEN|general>')).toThrow(/is neither a person nor an email address/);
    expect(() => ref('<https://example.com>')).toThrow(/is neither a person nor an email address/);
    expect(() => ref('bob')).toThrow(/`bob` is neither a person nor an email address/);
    expect(() => ref('&lt;!channel&gt;')).toThrow(/`&lt;!channel&gt;`/);
  });
});
