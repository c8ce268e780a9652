import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request body that was larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/**
 * Reads a request body.
 * @param limit maximum bytes
 * @throws BodyTooLargeError past `limit` (the rest is not read); Error when the request is aborted
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  // Stream events rather than `for await` (an async iterator per request costs more than the rest of reading),
  // and inline listeners (no named closures to build per request).
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.pause();
        reject(new BodyTooLargeError(limit));
      } else if (first === undefined) {
        first = chunk;
      } else {
        chunks ??= [first];
        chunks.push(chunk);
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks ? Buffer.concat(chunks) : (first ?? Buffer.alloc(0)));
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
    req.on('close', () => {
      if (done) return;
      done = true;
      reject(new Error('the request was aborted before its body ended'));
    });
  });
}

/** The media type of a request, lower-cased, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(req: IncomingMessage): string {
  const header = req.headers['content-type'] ?? '';
  // The usual exact forms need no parsing.
  if (header === 'application/x-www-form-urlencoded' || header === 'application/json') return header;
  return header.split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Sends a JSON body with `Cache-Control: no-store` (and `Pragma: no-cache`, RFC 6749 §5.1). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  const head: Record<string, string | number> =
    body === undefined
      ? { 'content-length': 0, 'cache-control': 'no-store', pragma: 'no-cache' }
      : {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(text),
          'cache-control': 'no-store',
          pragma: 'no-cache',
        };
  if (headers) Object.assign(head, headers);
  res.writeHead(status, head);
  res.end(text);
}

/** The peer address of a request (the socket's; proxies' forwarding headers are not trusted). */
export function clientAddress(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
