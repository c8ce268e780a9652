/**
 * Slack's side of Socket Mode (docs.slack.dev/apis/events-api/using-socket-mode): single-use WebSocket URLs from
 * `apps.connections.open`, the `hello` message, envelopes `{ envelope_id, type, payload, accepts_response_payload }`,
 * acks `{ envelope_id, payload? }`, `disconnect` messages, and server pings (`@slack/socket-mode` 3.x drops a
 * connection that gets no ping for 30 s and answers pings it receives; `ws` answers the client's pings itself).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { IdFactory } from './ids.js';
import { isJsonObject, tryParseJson } from './json.js';
import type { Recorder } from './recorder.js';
import type { DeliveryKind, DeliveryResult, JsonObject, StandInLogger } from './types.js';

/** Path of the WebSocket endpoint on the stand-in's server. */
export const SOCKET_PATH = '/socket';

interface PendingAck {
  socket: WebSocket;
  sentAt: number;
  resolve: (result: DeliveryResult) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Options of a Socket Mode delivery. */
export interface EnvelopeOptions {
  acceptsResponsePayload: boolean;
  retryAttempt?: number;
  retryReason?: string;
  timeoutMs: number;
}

/** The WebSocket server and the envelopes in flight. */
export class SocketModeHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly pending = new Map<string, PendingAck>();
  private readonly pingTimer: NodeJS.Timeout;
  private nextSocket = 0;

  constructor(
    private readonly ids: IdFactory,
    private readonly appId: string,
    private readonly recorder: Recorder,
    private readonly logger: StandInLogger | undefined,
    pingIntervalMs: number,
  ) {
    this.pingTimer = setInterval(() => this.pingAll(), pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Number of open connections. */
  get connectionCount(): number {
    return this.sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
  }

  /** A single-use WebSocket URL, as `apps.connections.open` returns. */
  issueUrl(wsBaseUrl: string): string {
    const ticket = this.ids.secret();
    this.tickets.add(ticket);
    return `${wsBaseUrl}${SOCKET_PATH}?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** Handles an HTTP upgrade: accepts it on `/socket` with an unused ticket, refuses it otherwise (401 / 404). */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== SOCKET_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    const ticket = url.searchParams.get('ticket') ?? '';
    if (!this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  /**
   * Sends an envelope on an open connection (round robin, as Slack spreads over up to 10 connections) and waits for
   * its ack.
   * @returns status 200, the ack's payload as JSON text (`''` when empty) and parsed.
   * @throws Error without an open connection, when the connection closes first, or after `timeoutMs` without ack.
   */
  deliver(type: DeliveryKind, payload: JsonObject, options: EnvelopeOptions): Promise<DeliveryResult> {
    const open = this.sockets.filter((s) => s.readyState === WebSocket.OPEN);
    if (open.length === 0)
      return Promise.reject(new Error('Socket Mode delivery failed: no app is connected'));
    const socket = open[this.nextSocket++ % open.length];
    if (!socket) return Promise.reject(new Error('Socket Mode delivery failed: no app is connected'));
    const envelopeId = this.ids.envelopeId();
    const envelope: JsonObject = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: options.acceptsResponsePayload,
    };
    if (type === 'events_api') {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryReason ?? '';
    }
    return new Promise<DeliveryResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`Socket Mode delivery of ${type} got no ack within ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      this.pending.set(envelopeId, { socket, sentAt: Date.now(), resolve, reject, timer });
      socket.send(JSON.stringify(envelope));
    });
  }

  /** Sends Slack's `disconnect` message (`reason`: `warning`, `refresh_requested`, `link_disabled`) to every app. */
  disconnectAll(reason: string): void {
    const message = JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-standin' } });
    for (const socket of this.sockets) if (socket.readyState === WebSocket.OPEN) socket.send(message);
  }

  /**
   * Closes every connection: envelopes in flight fail, open connections get a close frame (1001), and any not closed
   * within `graceMs` milliseconds are dropped. The grace lets a client that is already closing (Bolt's `app.stop()`
   * returns before its close handshake ends) finish cleanly instead of seeing a reset.
   */
  async close(graceMs = 500): Promise<void> {
    clearInterval(this.pingTimer);
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new Error('Socket Mode delivery failed: the stand-in stopped'));
      this.pending.delete(id);
    }
    const sockets = [...this.sockets];
    const closed = sockets.map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) resolve();
          else socket.once('close', () => resolve());
        }),
    );
    for (const socket of sockets)
      if (socket.readyState === WebSocket.OPEN) socket.close(1001, 'stand-in stopping');
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(closed), grace]);
    clearTimeout(timer);
    for (const socket of sockets) socket.terminate();
    this.sockets.length = 0;
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    ws.on('message', (data, isBinary) => this.onMessage(ws, data, isBinary));
    ws.on('error', (error) => this.logger?.warn({ err: error }, 'stand-in Socket Mode connection error'));
    ws.on('close', () => this.onClose(ws));
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.connectionCount,
        debug_info: { host: 'applink-standin', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.recorder.emit({ kind: 'socket_connected', connections: this.connectionCount });
  }

  private onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (isBinary) return;
    const buffer = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? Buffer.from(data)
        : data;
    const text = buffer.toString('utf8');
    const message = tryParseJson(text);
    if (!isJsonObject(message) || typeof message.envelope_id !== 'string') {
      this.logger?.warn(
        { text: text.slice(0, 200) },
        'stand-in got a Socket Mode message that is not an ack',
      );
      return;
    }
    const pending = this.pending.get(message.envelope_id);
    if (!pending || pending.socket !== ws) return;
    this.pending.delete(message.envelope_id);
    clearTimeout(pending.timer);
    const payload =
      isJsonObject(message.payload) && Object.keys(message.payload).length > 0 ? message.payload : undefined;
    pending.resolve({
      status: 200,
      body: payload === undefined ? '' : JSON.stringify(payload),
      ...(payload === undefined ? {} : { json: payload }),
      elapsedMs: Date.now() - pending.sentAt,
    });
  }

  private onClose(ws: WebSocket): void {
    const index = this.sockets.indexOf(ws);
    if (index >= 0) this.sockets.splice(index, 1);
    for (const [id, pending] of this.pending) {
      if (pending.socket !== ws) continue;
      clearTimeout(pending.timer);
      this.pending.delete(id);
      pending.reject(new Error('Socket Mode delivery failed: the connection closed before the ack'));
    }
    this.recorder.emit({ kind: 'socket_disconnected', connections: this.connectionCount });
  }

  private pingAll(): void {
    for (const socket of this.sockets) if (socket.readyState === WebSocket.OPEN) socket.ping();
  }
}
