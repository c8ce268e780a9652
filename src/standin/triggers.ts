/**
 * Trigger ids, as Slack issues them with slash commands and interactions: each opens one view, once, within 3 s
 * (docs.slack.dev/interactivity/handling-user-interaction#modal_responses).
 */
import type { IdFactory } from './ids.js';

/** Where a trigger came from. */
export interface TriggerOrigin {
  userId: string;
  /** The workspace of the interaction: a trigger opens views in that workspace only. */
  teamId?: string;
  /** The view the interaction happened in, for `views.push`. */
  viewId?: string;
}

/** The outcome of exchanging a trigger id. */
export type TriggerCheck =
  | ({ ok: true } & TriggerOrigin)
  | { ok: false; error: 'invalid_trigger_id' | 'expired_trigger_id' };

interface IssuedTrigger extends TriggerOrigin {
  issuedAt: number;
  used: boolean;
}

/** Issues and exchanges trigger ids. */
export class TriggerRegistry {
  /** A trigger id is valid for 3000 ms. */
  static readonly LIFETIME_MS = 3000;
  private readonly issued = new Map<string, IssuedTrigger>();

  constructor(
    private readonly ids: IdFactory,
    private readonly now: () => number,
  ) {}

  /** A new trigger id for an interaction by `origin.userId`. */
  issue(origin: TriggerOrigin): string {
    const id = this.ids.triggerId();
    this.issued.set(id, { ...origin, issuedAt: this.now(), used: false });
    return id;
  }

  /** The workspace a trigger id was issued in (without using it up), if known. */
  teamOf(triggerId: string): string | undefined {
    return this.issued.get(triggerId)?.teamId;
  }

  /**
   * Uses a trigger id up.
   * @returns the trigger's origin, or `invalid_trigger_id` (never issued) / `expired_trigger_id` (used before, or
   *   3 s or more old).
   */
  consume(triggerId: string): TriggerCheck {
    const trigger = this.issued.get(triggerId);
    if (!trigger) return { ok: false, error: 'invalid_trigger_id' };
    if (trigger.used || this.now() - trigger.issuedAt >= TriggerRegistry.LIFETIME_MS) {
      trigger.used = true;
      return { ok: false, error: 'expired_trigger_id' };
    }
    trigger.used = true;
    return {
      ok: true,
      userId: trigger.userId,
      ...(trigger.teamId !== undefined ? { teamId: trigger.teamId } : {}),
      ...(trigger.viewId !== undefined ? { viewId: trigger.viewId } : {}),
    };
  }
}
