/**
 * `views.open`, `views.push`, `views.update` and `views.publish`, following docs.slack.dev/reference/methods/views.*
 * and docs.slack.dev/surfaces/modals (trigger ids, the 3-view stack, hashes).
 */
import { type ApiContext, type MethodSpec, objectArg, optionalString, requireString } from './api-context.js';
import { checkView } from './block-kit.js';
import { SlackApiError } from './errors.js';
import type { JsonObject, RecordedView } from './types.js';

/**
 * The `view` argument, checked against Slack's view schema limits (block count, title and private_metadata length,
 * `submit` with inputs). Slack answers `invalid_arguments` with the details in `response_metadata.messages`.
 */
function viewArg(args: JsonObject, expectedType?: RecordedView['type']): JsonObject {
  const view = objectArg(args, 'view');
  const problems = checkView(view, expectedType);
  if (!view || problems.length > 0) throw new SlackApiError('invalid_arguments', problems);
  return view;
}

/**
 * Exchanges the `trigger_id` argument; throws Slack's trigger errors (a trigger of another workspace is not this
 * token's: `invalid_trigger_id`).
 */
function consumeTrigger(ctx: ApiContext, args: JsonObject): { userId: string } {
  const check = ctx.triggers.consume(requireString(args, 'trigger_id'));
  if (!check.ok) throw new SlackApiError(check.error);
  if (check.teamId !== undefined && check.teamId !== ctx.workspace.team.id) {
    throw new SlackApiError('invalid_trigger_id');
  }
  return { userId: check.userId };
}

function open(ctx: ApiContext, args: JsonObject): JsonObject {
  const view = viewArg(args, 'modal');
  const { userId } = consumeTrigger(ctx, args);
  return { view: ctx.views.open(userId, view).view };
}

function push(ctx: ApiContext, args: JsonObject): JsonObject {
  const view = viewArg(args, 'modal');
  const { userId } = consumeTrigger(ctx, args);
  return { view: ctx.views.push(userId, view).view };
}

function update(ctx: ApiContext, args: JsonObject): JsonObject {
  const viewId = optionalString(args, 'view_id');
  const externalId = optionalString(args, 'external_id');
  if (viewId === undefined && externalId === undefined) {
    throw new SlackApiError('invalid_arguments', ['[ERROR] either view_id or external_id is required']);
  }
  const recorded =
    viewId !== undefined ? ctx.views.find(viewId) : ctx.views.findByExternalId(externalId ?? '');
  const view = viewArg(args, recorded?.type);
  if (!recorded) throw new SlackApiError('not_found');
  return { view: ctx.views.update(recorded, view, optionalString(args, 'hash')).view };
}

function publish(ctx: ApiContext, args: JsonObject): JsonObject {
  const userId = requireString(args, 'user_id');
  const view = viewArg(args, 'home');
  if (!ctx.workspace.users.has(userId)) throw new SlackApiError('user_not_found');
  return { view: ctx.views.publish(userId, view, optionalString(args, 'hash')).view };
}

/** The `views.*` methods, by name. */
export const VIEW_METHODS: Record<string, MethodSpec> = {
  'views.open': { token: 'bot', handler: open },
  'views.push': { token: 'bot', handler: push },
  'views.update': { token: 'bot', handler: update },
  'views.publish': { token: 'bot', handler: publish },
};
