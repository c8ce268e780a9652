/** Shared by `/org rename` and the rename modal's submission: the confirmation. */
import { plainMessage } from './common.blocks.js';
import { escapeMrkdwn } from './text.js';

/** The confirmation after a rename. */
export function renamedMessage(result: { previous: string; name: string }) {
  return plainMessage(
    result.previous === result.name
      ? `The organization is already called *${escapeMrkdwn(result.name)}*.`
      : `Renamed *${escapeMrkdwn(result.previous)}* to *${escapeMrkdwn(result.name)}*. The organization ID is unchanged.`,
  );
}
