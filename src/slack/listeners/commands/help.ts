import type { Actor } from '../../../domain/actor.js';
import { type HelpAudience, helpMessage } from '../../shared/help.blocks.js';
import type { SubcommandHandler } from '../../shared/listener-types.js';

/** Whom help is written for, from the caller's standing (a user of another workspace is told only that). */
export function audienceOf(actor: Actor): HelpAudience {
  if (!actor.organization) return 'no_organization';
  if (actor.foreignWorkspace) return 'foreign_workspace';
  if (!actor.member) return 'non_member';
  return actor.member.role;
}

/** `/org`, `/org help`: help for the caller's role. */
export const help: SubcommandHandler = async ({ actor, reply }) => {
  await reply(helpMessage(audienceOf(actor), actor.organization?.name));
};
