/**
 * Issue 10 §1: every domain error code has a rendering in each front end's table (Slack, REST API, invitation
 * page), and the REST API's and the page's words carry no Slack syntax. The sample params below are typed by code,
 * so a new code without samples fails `tsc`; a table without the code fails both `tsc` and this test.
 */
import { describe, expect, it } from 'vitest';
import {
  type DomainErrorCode,
  type DomainErrorParams,
  type DomainErrorTable,
  InvalidInputError,
  LastAdminError,
  NotFoundError,
  renderDomainError,
} from '../../src/domain/errors.js';
import { API_ERROR_TEXTS, apiErrorBody } from '../../src/http/api/error-texts.js';
import { INVITATION_PAGE_ERROR_TEXTS, invitationPageError } from '../../src/http/invitations/error-texts.js';
import { SLACK_ERROR_TEXTS } from '../../src/slack/error-texts.js';
import { slackSyntaxIn } from '../support/slack-syntax.js';

const ADA = { slackUserId: 'U0ADA', email: 'ada@example.com' };
const NOBODY_IN_SLACK = { slackUserId: null, email: 'info@xn--rucher-bua.example' };
const ORG = 'Orbit Analytics';

/** Sample params for every code: each variant a front end words differently. */
const SAMPLES: { [C in DomainErrorCode]: DomainErrorParams[C][] } = {
  no_organization: [{}],
  foreign_workspace: [{}],
  not_a_member: [{ organizationName: ORG }],
  organization_exists: [{ organizationName: ORG }],
  admin_only: [{ operation: 'change roles' }, { operation: 'rename the organization' }],
  setup_requires_workspace_admin: [{}],
  setup_requires_email: [{}],
  invalid_value: [{ problem: 'The name must not be empty.' }],
  data_item_not_found: [
    { kind: 'data_source', id: 'ds_123' },
    { kind: 'data_layer', id: 'dl_123' },
  ],
  client_id_malformed: [{ clientId: 'nope' }],
  client_not_found: [{ clientId: 'cli_abcdefghijklmnopqrst', organizationName: ORG }],
  client_name_taken: [{ name: 'Integration' }],
  scopes_unknown: [{ unknown: 'admin:all', known: 'organization:read' }],
  scopes_empty: [{ known: 'organization:read' }],
  slack_account_deactivated: [{ member: ADA }, { member: NOBODY_IN_SLACK }],
  remove_self: [{}],
  last_admin: (['demote', 'remove', 'leave'] as const).flatMap((change) => [
    { organizationName: ORG, member: ADA, change, othersDeactivated: false },
    { organizationName: ORG, member: NOBODY_IN_SLACK, change, othersDeactivated: true },
  ]),
  recovery_email_linked: [{ email: 'ada@example.com' }],
  recovery_requires_email: [{}],
  recovery_requires_workspace_admin: [{ organizationName: ORG }],
  active_admin_exists: [{ organizationName: ORG, admins: [ADA, NOBODY_IN_SLACK] }],
  member_gone: [{ organizationName: ORG }],
  member_email_not_found: [{ email: 'zed@example.com', organizationName: ORG }],
  slack_user_not_member: [{ slackUserId: 'U0ZED', organizationName: ORG }],
  slack_user_unknown: [{ slackUserId: 'U0GHOST' }],
  slack_user_foreign: [{ slackUserId: 'U0PARTNER', organizationName: ORG }],
  role_invalid: [{ typed: 'owner' }, { typed: null }],
  admin_invite_by_member: [{}],
  already_member: [{ email: 'ada@example.com', organizationName: ORG }],
  invitation_pending: [
    { email: 'dan@example.com', awaitingApproval: true },
    { email: 'dan@example.com', awaitingApproval: false },
  ],
  invitation_limit: [{ organizationName: ORG, perDay: 50 }],
  invitation_closed: (
    ['requested', 'pending', 'accepted', 'declined', 'revoked', 'expired', 'denied'] as const
  ).flatMap((status) => [
    { status, email: 'dan@example.com', decidedBySlackUserId: 'U0ADA' },
    { status, email: 'dan@example.com', decidedBySlackUserId: null },
  ]),
  invitation_expired: [{}],
  invitation_link_invalid: [{}],
  invitation_gone: [{}],
  invitation_not_invitee: [{}],
  invitation_not_found: [{}],
};

const CODES = Object.keys(SAMPLES).sort() as DomainErrorCode[];

const TABLES: Record<string, DomainErrorTable> = {
  slack: SLACK_ERROR_TEXTS,
  api: API_ERROR_TEXTS,
  'invitation page': INVITATION_PAGE_ERROR_TEXTS,
};

/** Every rendering of every sample by `table`, labelled by code. */
function renderings(table: DomainErrorTable): Array<[string, string]> {
  return CODES.flatMap((code) =>
    (SAMPLES[code] as DomainErrorParams[DomainErrorCode][]).map((params): [string, string] => [
      code,
      (table[code] as (p: DomainErrorParams[DomainErrorCode]) => string)(params),
    ]),
  );
}

describe('domain error tables', () => {
  it.each(Object.entries(TABLES))('the %s table words every code, and nothing else', (_name, table) => {
    expect(Object.keys(table).sort()).toEqual(CODES);
    for (const [code, text] of renderings(table)) {
      expect(typeof text, code).toBe('string');
      expect(text.trim().length, code).toBeGreaterThan(0);
      expect(text, code).not.toContain('undefined');
      expect(text, code).not.toContain('[object Object]');
    }
  });

  it.each([
    ['api', API_ERROR_TEXTS],
    ['invitation page', INVITATION_PAGE_ERROR_TEXTS],
  ] as const)('the %s table holds no Slack syntax for any code', (_name, table) => {
    for (const [code, text] of renderings(table)) expect(slackSyntaxIn(text), `${code}: ${text}`).toEqual([]);
  });

  it('the Slack side names members by mention and shows emails in Unicode; the others name no Slack user', () => {
    const params = SAMPLES.last_admin[0] as DomainErrorParams['last_admin'];
    expect(SLACK_ERROR_TEXTS.last_admin(params)).toBe(
      '<@U0ADA> is the last Admin of Orbit Analytics: make someone else an Admin first. Nothing was changed.',
    );
    expect(API_ERROR_TEXTS.last_admin(params)).toBe(
      'ada@example.com is the last Admin of Orbit Analytics: make someone else an Admin first. Nothing was changed.',
    );
    const leave = { ...params, change: 'leave' as const, othersDeactivated: true };
    expect(SLACK_ERROR_TEXTS.last_admin(leave)).toContain('(`/org role @someone admin`)');
    expect(API_ERROR_TEXTS.last_admin(leave)).not.toContain('/org');
    const closed = { status: 'denied' as const, email: 'dan@example.com', decidedBySlackUserId: 'U0ADA' };
    expect(SLACK_ERROR_TEXTS.invitation_closed(closed)).toBe('This request was already denied by <@U0ADA>.');
    expect(INVITATION_PAGE_ERROR_TEXTS.invitation_closed(closed)).toBe(
      'This request was already denied by an admin.',
    );
    const idn = { email: NOBODY_IN_SLACK.email, organizationName: ORG };
    expect(SLACK_ERROR_TEXTS.member_email_not_found(idn)).toContain('info@räucher.example');
    expect(API_ERROR_TEXTS.member_email_not_found(idn)).toContain('info@räucher.example');
  });

  it('user-supplied text cannot become a Slack reference, nor HTML on the page', () => {
    const hostile = { organizationName: '<!channel> & <@U0EVE>' };
    expect(SLACK_ERROR_TEXTS.not_a_member(hostile)).toContain('&lt;!channel&gt; &amp; &lt;@U0EVE&gt;');
    const page = invitationPageError(
      new InvalidInputError('invalid_value', { problem: '<b>R&D</b>' }, 'name'),
    );
    expect(page.html).toBe('<p>&lt;b&gt;R&amp;D&lt;/b&gt;</p>');
  });

  it('renderDomainError picks the row of the error code; the API keeps its stable error codes', () => {
    const err = new NotFoundError('client_not_found', { clientId: 'cli_x', organizationName: ORG });
    expect(err.code).toBe('client_not_found');
    expect(err.kind).toBe('not_found');
    expect(renderDomainError(SLACK_ERROR_TEXTS, err)).toBe(
      'There is no API client `cli_x` in Orbit Analytics. `/org clients` lists them.',
    );
    expect(apiErrorBody(err)).toEqual({
      status: 404,
      error: 'not_found',
      message: 'There is no API client "cli_x" in Orbit Analytics.',
    });
    expect(apiErrorBody(new InvalidInputError('client_name_taken', { name: 'X' }, 'name'))).toMatchObject({
      status: 400,
      error: 'invalid_request',
      field: 'name',
    });
    const last = new LastAdminError({
      organizationName: ORG,
      member: ADA,
      change: 'remove',
      othersDeactivated: false,
    });
    expect(apiErrorBody(last)).toMatchObject({ status: 400, error: 'last_admin' });
    // The message of the Error itself is for developers: the code and its params, no front end's words.
    expect(last.message).toBe(`last_admin ${JSON.stringify(last.params)}`);
  });
});
