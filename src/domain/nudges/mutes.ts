/**
 * Per-Admin mutes of hygiene nudges (`/org nudges`).
 */
import type { EntityManager } from '@mikro-orm/core';
import type { NudgeKind } from './kinds.js';

/**
 * The member ids of `organizationId` who muted nudges of `kind`.
 * Placeholder until the mutes are stored: nobody has muted anything.
 */
export async function mutedAdminMemberIds(
  _em: EntityManager,
  _organizationId: string,
  _kind: NudgeKind,
): Promise<Set<string>> {
  return new Set();
}
