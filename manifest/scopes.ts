/**
 * What each Web API method and event needs, from Slack's method and event reference pages
 * (https://docs.slack.dev/reference/methods/<method>, "Scopes" → "Bot token"; https://docs.slack.dev/reference/events).
 *
 * The check fails on a method or event that is not in these tables, so a new call forces someone to look up its
 * scopes and add a line here. Keep the entries to what the pages say for a bot token (`xoxb-`).
 */

/** The scopes one Web API method needs. */
export interface MethodRequirement {
  /** Which token the method is called with. `app` tokens (`xapp-`) get their scopes outside the manifest. */
  token: 'bot' | 'app';
  /** Every one of these bot scopes must be declared. Empty when the method needs none. */
  allOf: readonly string[];
  /** At least one of these must be declared too (methods that take any kind of conversation). */
  anyOf?: readonly string[];
  /** Why, in a few words (shown in the report). */
  note: string;
}

/** Web API method → the bot scopes it needs. */
export const METHOD_SCOPES: Readonly<Record<string, MethodRequirement>> = {
  'auth.test': { token: 'bot', allOf: [], note: 'no scope' },
  'apps.connections.open': {
    token: 'app',
    allOf: [],
    note: 'Socket Mode; app-level token with connections:write (not a manifest scope)',
  },
  'chat.postMessage': { token: 'bot', allOf: ['chat:write'], note: 'post as the bot' },
  'chat.postEphemeral': { token: 'bot', allOf: ['chat:write'], note: 'post as the bot' },
  'chat.update': { token: 'bot', allOf: ['chat:write'], note: "edit the bot's message" },
  'chat.delete': { token: 'bot', allOf: ['chat:write'], note: "delete the bot's message" },
  'chat.getPermalink': { token: 'bot', allOf: [], note: 'no scope' },
  // The page lists channels:manage, groups:write, im:write and mpim:write, one per kind of conversation; this app
  // opens direct messages with one person. A group DM (several `users`) would need mpim:write as well.
  'conversations.open': { token: 'bot', allOf: ['im:write'], note: 'open a DM with a user' },
  'conversations.info': {
    token: 'bot',
    allOf: [],
    anyOf: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
    note: 'read a conversation (the scope of its kind)',
  },
  'conversations.members': {
    token: 'bot',
    allOf: [],
    anyOf: ['channels:read', 'groups:read', 'im:read', 'mpim:read'],
    note: 'members of a conversation (the scope of its kind)',
  },
  'conversations.join': { token: 'bot', allOf: ['channels:join'], note: 'join a public channel' },
  'team.info': { token: 'bot', allOf: ['team:read'], note: 'the workspace name' },
  'users.info': { token: 'bot', allOf: ['users:read'], note: 'a user (email needs users:read.email too)' },
  'users.list': { token: 'bot', allOf: ['users:read'], note: 'the workspace users' },
  'users.lookupByEmail': { token: 'bot', allOf: ['users:read.email'], note: 'find a user by email' },
  'users.profile.get': { token: 'bot', allOf: ['users.profile:read'], note: "a user's profile" },
  'views.open': { token: 'bot', allOf: [], note: 'no scope (needs a trigger_id)' },
  'views.push': { token: 'bot', allOf: [], note: 'no scope (needs a trigger_id)' },
  'views.update': { token: 'bot', allOf: [], note: 'no scope' },
  'views.publish': { token: 'bot', allOf: [], note: 'no scope (App Home)' },
  'reactions.add': { token: 'bot', allOf: ['reactions:write'], note: 'add a reaction' },
  'files.uploadV2': { token: 'bot', allOf: ['files:write'], note: 'upload a file' },
  'files.getUploadURLExternal': {
    token: 'bot',
    allOf: ['files:write'],
    note: 'start an external file upload',
  },
  'files.completeUploadExternal': {
    token: 'bot',
    allOf: ['files:write'],
    note: 'finish an external file upload and share it',
  },
  'files.info': { token: 'bot', allOf: ['files:read'], note: "a file's details and a snippet's text" },
};

/** Bot event → the scopes Slack requires before it delivers the event. */
export const EVENT_SCOPES: Readonly<Record<string, readonly string[]>> = {
  app_home_opened: [],
  app_uninstalled: [],
  tokens_revoked: [],
  app_mention: ['app_mentions:read'],
  'message.im': ['im:history'],
  'message.channels': ['channels:history'],
  'message.groups': ['groups:history'],
  'message.mpim': ['mpim:history'],
  member_joined_channel: ['channels:read'],
  team_join: ['users:read'],
  user_change: ['users:read'],
};

/**
 * Scopes that only make sense together with another one (https://docs.slack.dev/reference/scopes/users.read.email:
 * "This scope must be requested at the same time as users:read").
 */
export const SCOPE_PREREQUISITES: Readonly<Record<string, readonly string[]>> = {
  'users:read.email': ['users:read'],
};
