/**
 * The Socket Mode edge (docs.slack.dev/apis/events-api/using-socket-mode): Bolt's `SocketModeReceiver` keeps the
 * WebSocket, and this wrapper stands between it and the app, applying the HTTP edge's payload checks. A malformed
 * envelope payload is acknowledged and dropped (logged at warn), never thrown.
 */
import { performance } from 'node:perf_hooks';
import type { App, Receiver, ReceiverEvent, SocketModeReceiver } from '@slack/bolt';
import { DrainState } from '../../lifecycle/drain.js';
import type { Logger } from '../../logger.js';
import {
  deliverScreened,
  EDGE_ACK_DEADLINE_MS,
  type EdgeOptions,
  HANDLED_PAYLOADS,
  type NoteClient,
  newRequestId,
  payloadKind,
  screen,
} from './screening.js';

/**
 * A Bolt `Receiver` wrapping a `SocketModeReceiver`: the inner receiver delivers each envelope's payload here
 * (it is initialised with this edge in the app's place), and only payloads the screening passes reach the app, under
 * the same acknowledgement guard as over HTTP (an ack within 3 seconds, whatever the listeners do).
 */
export class SlackSocketEdge implements Receiver {
  private app: App | undefined;
  private readonly log: Logger;
  private readonly handled;
  private readonly ackDeadlineMs: number;
  private readonly noteClient: NoteClient | undefined;
  private readonly inFlight: DrainState;
  private readonly timing: EdgeOptions['timing'];

  constructor(
    private readonly inner: SocketModeReceiver,
    options: EdgeOptions,
  ) {
    this.log = options.logger.child({ component: 'slack-edge' });
    this.handled = options.handled ?? HANDLED_PAYLOADS;
    this.ackDeadlineMs = options.ackDeadlineMs ?? EDGE_ACK_DEADLINE_MS;
    this.noteClient = options.noteClient;
    this.inFlight = options.inFlight ?? new DrainState();
    this.timing = options.timing;
  }

  /** Called by Bolt: the inner receiver delivers to this edge, which delivers to `app`. */
  init(app: App): void {
    this.app = app;
    // The inner receiver calls nothing but `processEvent` on what it is given.
    this.inner.init({ processEvent: (event: ReceiverEvent) => this.process(event) } as unknown as App);
  }

  /** Opens the WebSocket (`apps.connections.open`). */
  start(): Promise<unknown> {
    return this.inner.start();
  }

  /** Closes the WebSocket. */
  stop(): Promise<unknown> {
    return this.inner.stop();
  }

  /**
   * Screens one envelope's payload and hands it to the app, counted in flight until its listeners are done; never
   * rejects.
   */
  private process(event: ReceiverEvent): Promise<void> {
    const receivedAt = performance.now();
    const requestId = newRequestId();
    return this.inFlight.track(requestId, async (entry) => {
      entry.kind = payloadKind(event.body);
      await this.screenAndDeliver(event, requestId, receivedAt);
    });
  }

  private async screenAndDeliver(event: ReceiverEvent, requestId: string, receivedAt: number): Promise<void> {
    const log = this.log.child({ requestId });
    const send = async (response?: string | Record<string, unknown>) => {
      await event.ack(response);
    };
    try {
      const verdict = screen(event.body, this.handled);
      if (verdict.verdict === 'malformed') {
        log.warn({ reason: verdict.reason }, 'Slack payload dropped: malformed');
        await send();
        return;
      }
      await deliverScreened(verdict, {
        app: this.app,
        body: event.body,
        send,
        requestId,
        log,
        ackDeadlineMs: this.ackDeadlineMs,
        noteClient: this.noteClient,
        timing: this.timing,
        receivedAt,
        ...(event.retryNum !== undefined ? { retryNum: event.retryNum } : {}),
        ...(event.retryReason !== undefined ? { retryReason: event.retryReason } : {}),
      });
    } catch (err) {
      log.error({ err }, 'the Slack edge failed');
    }
  }
}
