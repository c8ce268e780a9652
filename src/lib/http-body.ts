/**
 * Reading an HTTP request body, for every server of the app: the token endpoint, the REST API and the invitation
 * page (src/http), the Slack edge (src/slack/edge) and the Slack stand-in (src/standin). A leaf module: it imports
 * nothing of the app (rule `lib-is-a-leaf`).
 */
import type { IncomingMessage } from 'node:http';

/** A request body that was larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/**
 * Reads a request body; a `content-length` over the limit is refused before anything is read.
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
