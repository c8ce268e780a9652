import type { SubcommandHandler } from '../shared/listener-types.js';
import { overviewMessage } from './overview.blocks.js';

/** `/org overview`: name, organization ID, team members, data layers, data sources. */
export const overview: SubcommandHandler = async ({ args, actor, reply }) => {
  const data = await args.context.services.organizations.overview(actor);
  await reply(overviewMessage(data));
};
