/**
 * Small helpers for tests of the Slack stand-in itself: a real WebClient on it, the Slack error a call fails with,
 * and a bare HTTP "app" that verifies Slack's signature and records what it receives.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { LogLevel, verifySlackRequest } from '@slack/bolt';
import { ErrorCode, type WebAPIPlatformError, WebClient } from '@slack/web-api';
import { isJsonObject } from '../../src/standin/json.js';
import type { JsonObject } from '../../src/standin/types.js';

const silentLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

/** A real WebClient on the stand-in's API URL, without retries; `undefined` sends no token. */
export function webClient(apiUrl: string, token: string | undefined): WebClient {
  return new WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, logger: silentLogger });
}

function isPlatformError(error: unknown): error is WebAPIPlatformError {
  return error instanceof Error && 'code' in error && error.code === ErrorCode.PlatformError;
}

/** The Slack error code a Web API call fails with. @throws Error when it succeeds or fails otherwise */
export async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (isPlatformError(error)) return error.data.error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

/** A request the bare app received, its signature checked. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  /** The body as JSON (events) or the `payload` form field (interactions) or the form itself (commands). */
  payload: JsonObject;
  signatureValid: boolean;
}

/**
 * A bare HTTP "app" that acks every request with an empty 200, checks each signature with Bolt's verifier, and
 * records the requests. Stopped by the returned `close`.
 */
export async function startBareApp(
  signingSecret: string,
): Promise<{ url: string; requests: ReceivedRequest[]; close: () => Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let signatureValid = true;
      try {
        verifySlackRequest({
          signingSecret,
          body,
          headers: {
            'x-slack-signature': String(req.headers['x-slack-signature']),
            'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
          },
        });
      } catch {
        signatureValid = false;
      }
      requests.push({ headers: req.headers, body, payload: payloadOf(req.headers, body), signatureValid });
      res.writeHead(200);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function payloadOf(headers: IncomingHttpHeaders, body: string): JsonObject {
  if ((headers['content-type'] ?? '').includes('application/json')) {
    const parsed: unknown = JSON.parse(body);
    return isJsonObject(parsed) ? parsed : {};
  }
  const form = new URLSearchParams(body);
  const payload = form.get('payload');
  if (payload !== null) {
    const parsed: unknown = JSON.parse(payload);
    return isJsonObject(parsed) ? parsed : {};
  }
  return Object.fromEntries(form);
}
