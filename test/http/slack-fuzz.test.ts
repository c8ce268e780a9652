/**
 * Fuzzed, correctly signed (and sometimes wrongly signed) requests to `POST /slack/events`: whatever the body, the
 * app answers without a 5xx, within Slack's 3 seconds, and keeps serving. Small in `npm test` (300 cases); longer
 * with `npm run fuzz` (FUZZ_RUNS, default 5000; FUZZ_SEED to replay a failure, which fast-check prints).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION_IDS, VIEW_CALLBACK_IDS } from '../../src/slack/register.js';
import type { DeliveryOverrides } from '../../src/standin/types.js';
import { type Harness, startHarness, USERS } from '../support/harness.js';

const LONG = process.env.FUZZ_LONG === '1';
const RUNS = Number(process.env.FUZZ_RUNS ?? (LONG ? 5000 : 300));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** Slack shows the user an error when the ack takes longer (a generous behaviour check, not a benchmark). */
const ACK_LIMIT_MS = 3000;
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** One request to send: its raw body, content type and signature changes. */
interface FuzzRequest {
  body: string;
  contentType: string;
  overrides: DeliveryOverrides;
}

/** Strings that have hurt before or could: NUL and other controls, lone surrogates, huge, empty, ids of prototypes. */
const nastyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '\u0007\u001b[31m',
    '\ud800',
    '\udc00x',
    '\u202e',
    '__proto__',
    'constructor',
    'null',
    '../../etc/passwd',
    "'; DROP TABLE member; --",
  ),
  fc.integer({ min: 1000, max: 300_000 }).map((n) => 'x'.repeat(n)),
);

/** Any JSON value, with nasty strings in it. */
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double(),
    nastyString,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Payloads of the kinds the app handles, well formed, for the mutations to start from. */
function templates(h: Harness): fc.Arbitrary<Record<string, unknown>> {
  const team = h.standin.team.id;
  const responseUrl = `${h.standin.baseUrl}/response/fuzz`;
  const userId = fc.constantFrom(USERS.ada.id, USERS.bob.id, USERS.eve.id, 'U0NOBODY');
  const actionId = fc.oneof(fc.constantFrom(...ACTION_IDS), fc.constant('retired_button'));
  const value = fc.oneof(fc.constantFrom('1', 'cli_abc', 'inv_1', 'member', 'admin', 'next'), nastyString);
  const blockActions = fc.record({
    type: fc.constant('block_actions'),
    user: userId.map((id) => ({ id, team_id: team })),
    team: fc.constant({ id: team }),
    trigger_id: fc.constant('1.2.fuzz'),
    response_url: fc.constant(responseUrl),
    channel: fc.constant({ id: h.standin.imChannelOf(USERS.ada.id) }),
    container: fc.constant({ type: 'message', message_ts: '1.1' }),
    actions: fc.array(
      fc.record({
        action_id: actionId,
        block_id: fc.constantFrom('b1', 'client_row:cli_abc', 'member_row:U0BOB'),
        type: fc.constantFrom('button', 'static_select'),
        value,
        selected_option: fc.option(fc.record({ value }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 2 },
    ),
  });
  const viewSubmission = fc.record({
    type: fc.constant('view_submission'),
    user: userId.map((id) => ({ id, team_id: team })),
    team: fc.constant({ id: team }),
    view: fc.record({
      id: fc.constant('V0FUZZ'),
      callback_id: fc.oneof(fc.constantFrom(...VIEW_CALLBACK_IDS), fc.constant('retired_modal')),
      private_metadata: fc.oneof(fc.constant(''), fc.constant('{}'), fc.string({ maxLength: 40 })),
      state: fc.record({
        values: fc.dictionary(
          fc.constantFrom('name', 'email', 'role', 'note', 'reason', 'b1'),
          fc.dictionary(
            fc.constantFrom('name', 'email', 'role', 'note', 'reason', 'input'),
            fc.record({ type: fc.constant('plain_text_input'), value: nastyString }),
            { maxKeys: 2 },
          ),
          { maxKeys: 3 },
        ),
      }),
    }),
  });
  const viewClosed = fc.record({
    type: fc.constant('view_closed'),
    user: userId.map((id) => ({ id, team_id: team })),
    team: fc.constant({ id: team }),
    view: fc.record({ id: fc.constant('V0FUZZ'), callback_id: fc.constantFrom(...VIEW_CALLBACK_IDS) }),
  });
  const event = fc.record({
    type: fc.constant('event_callback'),
    team_id: fc.constant(team),
    event_id: fc.string({ minLength: 1, maxLength: 12 }).map((s) => `Ev${s}`),
    event_time: fc.constant(Math.floor(Date.now() / 1000)),
    event: fc.oneof(
      userId.map((user) => ({ type: 'app_home_opened', user, channel: 'D0FUZZ', tab: 'home' })),
      userId.map((id) => ({ type: 'user_change', user: { id, team_id: team, deleted: false } })),
      fc.record({ type: fc.constantFrom('reaction_added', 'message'), text: nastyString }),
    ),
  });
  const command = fc.record({
    command: fc.constantFrom('/org', '/retired'),
    text: fc.oneof(
      fc.constantFrom('help', 'overview', 'members', 'clients', 'invites', 'audit', 'rename'),
      nastyString.map((s) => `rename ${s}`),
      nastyString,
    ),
    user_id: userId,
    team_id: fc.constant(team),
    channel_id: fc.constant(h.standin.imChannelOf(USERS.ada.id)),
    response_url: fc.constant(responseUrl),
    trigger_id: fc.constant('1.2.fuzz'),
  });
  return fc.oneof(blockActions, viewSubmission, viewClosed, event, command);
}

/** A template changed at one or two places: a field removed, or replaced by any JSON value. */
function mutated(base: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  const mutation = fc.record({
    path: fc.array(
      fc.constantFrom('type', 'user', 'id', 'actions', '0', 'view', 'state', 'event', 'team', 'text'),
      {
        minLength: 1,
        maxLength: 3,
      },
    ),
    replacement: fc.option(anyJson, { nil: undefined }),
  });
  return fc.tuple(base, fc.array(mutation, { maxLength: 2 })).map(([payload, mutations]) => {
    const copy = structuredClone(payload) as Record<string, unknown>;
    for (const { path, replacement } of mutations) {
      let node: unknown = copy;
      for (const key of path.slice(0, -1)) {
        if (node && typeof node === 'object' && key in node) node = (node as Record<string, unknown>)[key];
      }
      const last = path[path.length - 1] as string;
      if (node && typeof node === 'object') {
        if (replacement === undefined) delete (node as Record<string, unknown>)[last];
        else (node as Record<string, unknown>)[last] = replacement;
      }
    }
    return copy;
  });
}

/** Encodes a payload as Slack would (commands as form fields, events as JSON, interactions as `payload=`), or not. */
function encoded(payload: unknown): fc.Arbitrary<{ body: string; contentType: string }> {
  const isCommand = payload !== null && typeof payload === 'object' && 'command' in payload;
  const isEvent = payload !== null && typeof payload === 'object' && 'event' in payload;
  const asForm = () => {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(payload as object))
      form.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    return form.toString();
  };
  const natural = isCommand
    ? { body: asForm(), contentType: FORM }
    : isEvent
      ? { body: JSON.stringify(payload), contentType: JSON_TYPE }
      : { body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: FORM };
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(natural) },
    { weight: 1, arbitrary: fc.constant({ body: JSON.stringify(payload), contentType: JSON_TYPE }) },
    {
      weight: 1,
      arbitrary: fc.constant({
        body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
        contentType: FORM,
      }),
    },
  );
}

/** Bodies that are not payloads at all. */
const rawBodies = fc.oneof(
  fc.constantFrom(
    { body: 'payload=null', contentType: FORM },
    { body: 'null', contentType: JSON_TYPE },
    { body: '[]', contentType: JSON_TYPE },
    { body: 'payload=%5B%5D', contentType: FORM },
    { body: 'payload=%7B', contentType: FORM },
    { body: 'payload=', contentType: FORM },
    { body: '', contentType: FORM },
    { body: '', contentType: JSON_TYPE },
    { body: '{"type":"block_actions","actions":"x"}', contentType: JSON_TYPE },
    { body: '{"type":"url_verification"}', contentType: JSON_TYPE },
    { body: 'ssl_check=1', contentType: FORM },
    { body: '{}', contentType: 'text/plain' },
  ),
  fc.record({ body: fc.string({ maxLength: 200 }), contentType: fc.constantFrom(FORM, JSON_TYPE) }),
  fc
    .record({ payload: anyJson, contentType: fc.constantFrom(FORM, JSON_TYPE) })
    .map(({ payload, contentType }) => ({
      body:
        contentType === FORM
          ? new URLSearchParams({ payload: JSON.stringify(payload) ?? 'null' }).toString()
          : (JSON.stringify(payload) ?? 'null'),
      contentType,
    })),
);

/** Mostly a good signature; sometimes none, a garbled one, another secret, or a timestamp outside the window. */
const signatures: fc.Arbitrary<DeliveryOverrides> = fc.oneof(
  { weight: 30, arbitrary: fc.constant({}) },
  { weight: 1, arbitrary: fc.constant({ omitSignature: true }) },
  { weight: 1, arbitrary: fc.constant({ signingSecret: 'not-the-secret' }) },
  {
    weight: 1,
    arbitrary: fc
      .record({ 'x-slack-signature': nastyString.map((s) => s.slice(0, 200).replace(/[^\x20-\x7e]/g, '')) })
      .map((headers) => ({ headers })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom(-86_400, -360, 360, 86_400)
      .map((offset) => ({ timestampSeconds: Math.floor(Date.now() / 1000) + offset })),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('-1', 'abc', '1e9', '99999999999999999999')
      .map((ts) => ({ headers: { 'x-slack-request-timestamp': ts } })),
  },
);

describe('fuzzed Slack requests', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ env: { LOG_LEVEL: 'warn' } });
    await h.setupOrganization('Orbit Analytics');
  });
  afterAll(async () => {
    await h.stop();
  });

  it(
    `${RUNS} signed requests: never a 5xx, never an answer over 3 s, and the app keeps serving`,
    async () => {
      const requests: fc.Arbitrary<FuzzRequest> = fc
        .tuple(
          fc.oneof(
            { weight: 3, arbitrary: templates(h).chain(encoded) },
            { weight: 4, arbitrary: mutated(templates(h)).chain(encoded) },
            { weight: 2, arbitrary: rawBodies },
          ),
          signatures,
        )
        .map(([{ body, contentType }, overrides]) => ({
          body,
          contentType,
          overrides,
          // fast-check prints a failing case with this: huge bodies are cut so the report stays readable.
          [fc.toStringMethod]: () =>
            JSON.stringify({
              body: body.length > 2000 ? `${body.slice(0, 2000)}… (${body.length} characters)` : body,
              contentType,
              overrides,
            }),
        }));
      const statuses = new Map<number, number>();
      let slowest = 0;
      await fc.assert(
        fc.asyncProperty(requests, async ({ body, contentType, overrides }) => {
          const ack = await h.standin.deliverRaw(body, contentType, overrides);
          statuses.set(ack.status, (statuses.get(ack.status) ?? 0) + 1);
          slowest = Math.max(slowest, ack.elapsedMs);
          expect(ack.status).toBeGreaterThanOrEqual(200);
          expect(ack.status).toBeLessThan(500);
          expect(ack.elapsedMs).toBeLessThan(ACK_LIMIT_MS);
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }), endOnFailure: true },
      );
      // The corpus reached every layer: signatures refused, payloads refused, payloads served.
      expect(statuses.get(401)).toBeGreaterThan(0);
      expect(statuses.get(400)).toBeGreaterThan(0);
      expect(statuses.get(200)).toBeGreaterThan(0);
      // The process is alive and serves a good request.
      expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
      const reply = await h.ask(USERS.ada.id, 'overview');
      expect(reply.text).toMatch(/team member/);
      expect(h.logs()).not.toMatch(/the Slack edge failed|Bolt failed to process/);
      if (LONG) console.info({ runs: RUNS, statuses: Object.fromEntries(statuses), slowestMs: slowest });
    },
    60_000 + RUNS * 100,
  );
});
