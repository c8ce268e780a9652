/**
 * The Web API front: `POST /api/<method>` with a form or JSON body, token checks, dispatch to the method, and the
 * recording of every call. Slack answers HTTP 200 with `{ ok: true, … }` or `{ ok: false, error }`
 * (docs.slack.dev/apis/web-api).
 */
import type { ApiContext, MethodSpec } from './api-context.js';
import { REQUEST_FAULT_CODES, SlackApiError } from './errors.js';
import { cloneJson } from './json.js';
import { CHAT_METHODS } from './methods-chat.js';
import { INFO_METHODS } from './methods-info.js';
import { VIEW_METHODS } from './methods-views.js';
import type { JsonObject, RecordedCall } from './types.js';

/** Every method the stand-in implements. */
export const METHODS: Readonly<Record<string, MethodSpec>> = {
  ...INFO_METHODS,
  ...CHAT_METHODS,
  ...VIEW_METHODS,
};

/** The tokens the stand-in accepts. */
export interface ApiTokens {
  bot: string;
  app: string;
}

/** The token of a request: the `Authorization: Bearer` header, else the `token` argument. */
export function tokenOf(authorization: string | undefined, args: JsonObject): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (bearer !== undefined) return bearer;
  return typeof args.token === 'string' && args.token !== '' ? args.token : undefined;
}

function checkToken(spec: MethodSpec, token: string | undefined, tokens: ApiTokens): void {
  if (token === undefined) throw new SlackApiError('not_authed');
  if (token === tokens[spec.token]) return;
  const other = spec.token === 'bot' ? tokens.app : tokens.bot;
  throw new SlackApiError(token === other ? 'not_allowed_token_type' : 'invalid_auth');
}

/**
 * Runs one Web API call and records it.
 *
 * @param method the method name from the URL (`chat.postMessage`).
 * @param args decoded arguments (may include `token`, which is not recorded); undefined when the body could not
 *   be decoded (answered `invalid_json`).
 * @param token the caller's token, from the header or the arguments.
 * @returns the JSON body Slack would answer with (always sent with HTTP 200).
 */
export function callMethod(
  ctx: ApiContext,
  tokens: ApiTokens,
  method: string,
  args: JsonObject | undefined,
  token: string | undefined,
): JsonObject {
  const { token: _omitted, ...recordedArgs } = args ?? {};
  const call: RecordedCall = { method, args: cloneJson(recordedArgs), at: ctx.now(), ok: true };
  let body: JsonObject;
  try {
    const spec = METHODS[method];
    if (!spec) throw new SlackApiError('unknown_method');
    if (!args) throw new SlackApiError('invalid_json', ['[ERROR] the JSON body is not a JSON object']);
    checkToken(spec, token, tokens);
    body = { ok: true, ...spec.handler(ctx, recordedArgs) };
  } catch (error) {
    if (!(error instanceof SlackApiError)) throw error;
    call.ok = false;
    call.error = error.code;
    body = error.toBody();
    if (REQUEST_FAULT_CODES.has(error.code)) {
      const apiError = { method, error: error.code, args: call.args, at: call.at, messages: error.messages };
      ctx.recorder.apiErrors.push(apiError);
      ctx.recorder.emit({ kind: 'api_error', apiError });
    }
  }
  ctx.recorder.calls.push(call);
  ctx.recorder.emit({ kind: 'call', call });
  return body;
}
