import type { IncomingMessage, ServerResponse } from 'node:http';

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
