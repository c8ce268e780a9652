/**
 * `auth.test`, `users.info`, `users.lookupByEmail`, `team.info`, `apps.connections.open` and `oauth.v2.access`,
 * following docs.slack.dev/reference/methods/<name>.
 */
import { type ApiContext, type MethodSpec, requireString } from './api-context.js';
import { SlackApiError } from './errors.js';
import type { JsonObject } from './types.js';

/**
 * `auth.test`: who the token is. A workspace token names its workspace (and `enterprise_id` in a Grid); an org-wide
 * token names the organization: `team_id` is the enterprise id and `is_enterprise_install` true
 * (docs.slack.dev/enterprise/organization-ready-apps). A rotating token also tells `expires_in` (seconds left).
 */
function authTest(ctx: ApiContext): JsonObject {
  const grant = ctx.grant;
  const expires =
    grant?.expiresAt !== undefined
      ? { expires_in: Math.max(0, Math.floor((grant.expiresAt - ctx.now()) / 1000)) }
      : {};
  if (grant?.isEnterpriseInstall) {
    const enterprise = ctx.enterprise;
    return {
      url: `https://${enterprise?.domain ?? 'org'}.enterprise.slack.com/`,
      team: enterprise?.name ?? '',
      user: ctx.scope[0]?.bot.name ?? 'bot',
      team_id: grant.enterpriseId,
      user_id: grant.botUserId,
      bot_id: grant.botId,
      enterprise_id: grant.enterpriseId,
      is_enterprise_install: true,
      ...expires,
    };
  }
  const { team, bot, enterprise } = ctx.workspace;
  return {
    url: `https://${team.domain}.slack.com/`,
    team: team.name,
    user: bot.name,
    team_id: team.id,
    user_id: grant?.botUserId ?? bot.userId,
    bot_id: grant?.botId ?? bot.botId,
    ...(enterprise ? { enterprise_id: enterprise.id } : {}),
    is_enterprise_install: false,
    ...expires,
  };
}

function usersInfo(ctx: ApiContext, args: JsonObject): JsonObject {
  const user = ctx.workspace.users.get(requireString(args, 'user', 'user_not_found'));
  if (!user) throw new SlackApiError('user_not_found');
  return { user: ctx.workspace.userObject(user, ctx.now()) };
}

function lookupByEmail(ctx: ApiContext, args: JsonObject): JsonObject {
  const email = requireString(args, 'email').trim().toLowerCase();
  // It searches the token's workspace (each workspace of the organization for an org-wide token): users of other
  // workspaces are not found.
  for (const workspace of ctx.scope) {
    for (const user of workspace.users.values()) {
      if (workspace.isOwnUser(user) && user.email !== undefined && user.email.toLowerCase() === email) {
        return { user: workspace.userObject(user, ctx.now()) };
      }
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
  'oauth.v2.access': { token: 'none', handler: (ctx, args) => ctx.oauth.access(args, ctx.authorization) },
};
