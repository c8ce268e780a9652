import { nudgeSettings, parseNudgeKind, setNudgeMuted } from '../../domain/nudges/mutes.js';
import type { SubcommandHandler } from '../shared/listener-types.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { argText } from '../shared/text.js';
import { muteNotice, nudgeSettingsMessage } from './mutes.blocks.js';

const USAGE = '`/org nudges`, `/org nudges mute <kind>` or `/org nudges unmute <kind>`';

/**
 * `/org nudges` (admins): the caller's hygiene nudges, each on or muted for them, with a Mute / Unmute button.
 * `/org nudges mute <kind>` and `/org nudges unmute <kind>` change one kind for the caller alone and show the list.
 * An unknown kind is refused naming the valid ones, and nothing changes. Not audited (a personal preference).
 * @throws NotAuthorizedError for a Member (the refusal every admin-only command gives); InvalidInputError for an
 *   unknown kind; SlackInputError for another verb
 */
export const nudges: SubcommandHandler = async ({ args, command, actor, reply }) => {
  const [verbArg, kindArg, extra] = command.args;
  if (!verbArg) {
    await reply(nudgeSettingsMessage(await nudgeSettings(args.context.em, actor)));
    return;
  }
  const verb = verbArg.kind === 'word' ? verbArg.text.toLowerCase() : '';
  if (verb !== 'mute' && verb !== 'unmute') {
    throw new SlackInputError(
      `\`${argText(verbArg).slice(0, 40).replace(/`/g, "'")}\` is not something \`/org nudges\` does. Use ${USAGE}.`,
    );
  }
  if (extra) {
    throw new SlackInputError(
      `\`/org nudges ${verb}\` takes one kind of nudge, not \`${argText(extra).slice(0, 40).replace(/`/g, "'")}\` after it. Use ${USAGE}.`,
    );
  }
  const kind = parseNudgeKind(kindArg ? argText(kindArg) : undefined);
  const change = await setNudgeMuted(args.context.em, args.context.clock, actor, kind, verb === 'mute');
  await reply(nudgeSettingsMessage(change.settings, muteNotice(change)));
};
