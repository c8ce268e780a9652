/**
 * `auth.test`, `users.info`, `users.lookupByEmail`, `team.info` and `apps.connections.open`, following
 * docs.slack.dev/reference/methods/<name>.
 */
import { type ApiContext, type MethodSpec, requireString } from './api-context.js';
import { SlackApiError } from './errors.js';
import type { JsonObject } from './types.js';

function authTest(ctx: ApiContext): JsonObject {
  const { team, bot } = ctx.workspace;
  return {
    url: `https://${team.domain}.slack.com/`,
    team: team.name,
    user: bot.name,
    team_id: team.id,
    user_id: bot.userId,
    bot_id: bot.botId,
    is_enterprise_install: false,
  };
}

function usersInfo(ctx: ApiContext, args: JsonObject): JsonObject {
  const user = ctx.workspace.users.get(requireString(args, 'user', 'user_not_found'));
  if (!user) throw new SlackApiError('user_not_found');
  return { user: ctx.workspace.userObject(user, ctx.now()) };
}

function lookupByEmail(ctx: ApiContext, args: JsonObject): JsonObject {
  const email = requireString(args, 'email').trim().toLowerCase();
  // It searches this workspace: users of other workspaces are not found.
  for (const user of ctx.workspace.users.values()) {
    if (ctx.workspace.isOwnUser(user) && user.email !== undefined && user.email.toLowerCase() === email) {
      return { user: ctx.workspace.userObject(user, ctx.now()) };
    }
  }
  throw new SlackApiError('users_not_found');
}

function teamInfo(ctx: ApiContext): JsonObject {
  return { team: ctx.workspace.teamObject() };
}

function connectionsOpen(ctx: ApiContext): JsonObject {
  return { url: ctx.openSocketUrl() };
}

/** The informational methods and `apps.connections.open`, by name. */
export const INFO_METHODS: Record<string, MethodSpec> = {
  'auth.test': { token: 'bot', handler: authTest },
  'users.info': { token: 'bot', handler: usersInfo },
  'users.lookupByEmail': { token: 'bot', handler: lookupByEmail },
  'team.info': { token: 'bot', handler: teamInfo },
  'apps.connections.open': { token: 'app', handler: connectionsOpen },
};
