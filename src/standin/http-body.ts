/** Reading and decoding request bodies the way Slack's Web API accepts them. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody as readLimitedBody } from '../lib/http-body.js';
import { isJsonObject, tryParseJson } from './json.js';
import type { JsonObject } from './types.js';

/** Largest body accepted, in bytes (Slack's own limit for views is 250 kB; messages are smaller). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

/** Arguments that Slack takes as JSON, which form-encoded callers (like `@slack/web-api`) send as JSON strings. */
const JSON_ARGUMENTS = new Set(['blocks', 'attachments', 'view', 'metadata', 'user_auth_blocks', 'unfurls']);

/**
 * Reads the whole body as UTF-8 text.
 * @throws BodyTooLargeError when the body is larger than MAX_BODY_BYTES; Error when the request is aborted
 */
export async function readBody(req: IncomingMessage): Promise<string> {
  return (await readLimitedBody(req, MAX_BODY_BYTES)).toString('utf8');
}

/**
 * Decodes Web API arguments from an `application/x-www-form-urlencoded` or `application/json` body; JSON-string
 * values of JSON arguments (`blocks`, `view`, …) are parsed back into objects (left as strings when not valid JSON,
 * so the method can refuse them as Slack does).
 *
 * @returns the arguments, or undefined when a JSON body is not a JSON object.
 */
export function decodeArguments(contentType: string | undefined, body: string): JsonObject | undefined {
  let args: JsonObject;
  if ((contentType ?? '').includes('application/json')) {
    const parsed = body.trim() === '' ? {} : tryParseJson(body);
    if (!isJsonObject(parsed)) return undefined;
    args = { ...parsed };
  } else {
    args = {};
    for (const [key, value] of new URLSearchParams(body)) args[key] = value;
  }
  for (const key of JSON_ARGUMENTS) {
    const value = args[key];
    if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
      const parsed = tryParseJson(value);
      if (parsed !== undefined) args[key] = parsed;
    }
  }
  return args;
}

/** Sends a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}
