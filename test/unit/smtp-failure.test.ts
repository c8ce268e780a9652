/** How the mail outbox reads a failed send (issue 9 §4): which SMTP answers are final. */
import { describe, expect, it } from 'vitest';
import { classifySendFailure } from '../../src/mail/mail-sender.js';

describe('SMTP failures, classified (RFC 5321 §4.2.1)', () => {
  it('5yz is permanent, 4yz and connection errors temporary, a refused login temporary', () => {
    const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('send failed'), fields);
    expect(
      classifySendFailure(
        smtpError({ responseCode: 550, response: '550 5.1.1 No such user', code: 'EENVELOPE' }),
      ),
    ).toEqual({
      permanent: true,
      responseCode: 550,
      reason: 'the mail server answered: 550 5.1.1 No such user',
    });
    expect(
      classifySendFailure(
        smtpError({ responseCode: 554, response: '554 Message rejected', code: 'EMESSAGE' }),
      ).permanent,
    ).toBe(true);
    expect(
      classifySendFailure(smtpError({ responseCode: 451, response: '451 Try later', code: 'EENVELOPE' }))
        .permanent,
    ).toBe(false);
    expect(classifySendFailure(smtpError({ code: 'ECONNREFUSED' })).permanent).toBe(false);
    expect(
      classifySendFailure(smtpError({ responseCode: 535, response: '535 Bad credentials', code: 'EAUTH' }))
        .permanent,
    ).toBe(false);
    expect(classifySendFailure('a string').permanent).toBe(false);
  });
});
