import { MEMBERS_PAGE_SIZE, pageBounds } from '../../domain/members/members.service.js';
import type { TeamSnapshot } from '../../domain/members/team-directory.js';
import type { SlackMessage } from '../shared/common.blocks.js';
import type { DirectoryHandler, SubcommandHandler } from '../shared/listener-types.js';
import { withPageNotice } from '../shared/paging.blocks.js';
import { SlackInputError } from '../shared/slack-input-error.js';
import { type ParsedCommand, parsePage } from '../shared/text.js';
import { membersMessage } from './members.blocks.js';
import { viewerOf } from './members-list.js';

/**
 * The page asked for by `/org members [page]`.
 * @throws SlackInputError (field `page`) for more than one argument or one that is not a page number
 */
function requestedPage(command: ParsedCommand): number {
  if (command.args.length > 1) {
    throw new SlackInputError('`/org members` takes at most a page number, as in `/org members 2`.', 'page');
  }
  return parsePage(command.args[0]);
}

/**
 * `/org members [page]`: the team with each role, a page at a time; Admins get a role select and Remove per row. A
 * page past the last shows the last, and says so. This is the usual path, for callers the team directory does not
 * answer for (see {@link membersFromDirectory}).
 */
export const members: SubcommandHandler = async ({ args, command, actor, reply }) => {
  const page = requestedPage(command);
  const result = await args.context.services.members.list(actor, page);
  await reply(
    withPageNotice(membersMessage(result, actor.organization?.name ?? '', viewerOf(actor)), page, result),
  );
};

/** Most rendered pages kept per team snapshot (a snapshot lives until the next write to the team). */
const RENDERED_PAGES_KEPT = 256;

/**
 * Pages of the members list rendered from each snapshot, by requested page, shown page, role and (when their own
 * row is on it) viewer. A snapshot is immutable and replaced on every write, so a rendered page never goes stale;
 * the map goes with its snapshot.
 */
const renderedPages = new WeakMap<TeamSnapshot, Map<string, SlackMessage>>();

/**
 * `/org members [page]` for a linked member, from the team directory: the same message as {@link members}, with no
 * SQL (the directory is kept coherent with every write), rendered once per snapshot and page.
 */
export const membersFromDirectory: DirectoryHandler = async ({ args, command, view, reply }) => {
  const requested = requestedPage(command);
  const { team, viewer } = view;
  const { page, offset } = pageBounds(team.members.length, requested, MEMBERS_PAGE_SIZE);
  const at = team.members.indexOf(viewer);
  const ownRow = at >= offset && at < offset + MEMBERS_PAGE_SIZE;
  const key = `${requested}:${page}:${viewer.role}:${ownRow ? viewer.id : ''}`;
  let pages = renderedPages.get(team);
  let message = pages?.get(key);
  if (!message) {
    const result = args.context.directory.page(team, requested, MEMBERS_PAGE_SIZE);
    message = withPageNotice(
      membersMessage(result, team.organization.name, { memberId: viewer.id, role: viewer.role }),
      requested,
      result,
    );
    if (!pages || pages.size >= RENDERED_PAGES_KEPT) {
      pages = new Map();
      renderedPages.set(team, pages);
    }
    pages.set(key, message);
  }
  await reply(message);
};
