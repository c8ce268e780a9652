/**
 * The payloads Slack sends to apps, field for field as documented:
 * slash commands (docs.slack.dev/interactivity/implementing-slash-commands), block_actions and view_submission
 * (docs.slack.dev/reference/interaction-payloads/…), and Events API `event_callback` envelopes
 * (docs.slack.dev/apis/events-api). In an Enterprise Grid workspace they carry the organization
 * (`enterprise_id`, `enterprise: { id, name }`, `team.enterprise_id`) and `is_enterprise_install`, true when the app
 * is installed org-wide (docs.slack.dev/enterprise/organization-ready-apps).
 */
import type { JsonObject, StandInChannel, StandInUser, ViewStateValue } from './types.js';
import type { Workspace } from './workspace.js';

/** Identity fields shared by every payload. */
export interface PayloadIdentity {
  workspace: Workspace;
  /** The deprecated verification token. */
  token: string;
  /** True while the app is installed org-wide on the workspace's organization (asked at each payload). */
  isEnterpriseInstall: () => boolean;
}

/** The `enterprise` object of interaction payloads: `{ id, name }` in a Grid workspace, else null. */
function enterpriseRef(identity: PayloadIdentity): JsonObject | null {
  const { enterprise } = identity.workspace;
  return enterprise ? { id: enterprise.id, name: enterprise.name } : null;
}

/**
 * The `user` object of interaction payloads: `team_id` is the user's own workspace, also for a user of another
 * workspace acting in a shared channel (whose payload's `team` is still this workspace).
 */
export function userRef(_identity: PayloadIdentity, user: StandInUser): JsonObject {
  return { id: user.id, username: user.name, name: user.name, team_id: user.teamId };
}

/**
 * The `team` object of interaction payloads (with `enterprise_id` / `enterprise_name` in a Grid workspace), or null
 * for an org-wide context (`teamNull`).
 */
export function teamRef(identity: PayloadIdentity, teamNull = false): JsonObject | null {
  if (teamNull) return null;
  const { team, enterprise } = identity.workspace;
  return {
    id: team.id,
    domain: team.domain,
    ...(enterprise ? { enterprise_id: enterprise.id, enterprise_name: enterprise.name } : {}),
  };
}

/** A slash command's form fields (all strings; `enterprise_id` absent outside Enterprise Grid). */
export function slashCommandPayload(
  identity: PayloadIdentity,
  input: {
    user: StandInUser;
    channel: StandInChannel;
    command: string;
    text: string;
    responseUrl: string;
    triggerId: string;
  },
): Record<string, string> {
  const { workspace } = identity;
  const { enterprise } = workspace;
  return {
    token: identity.token,
    team_id: workspace.team.id,
    team_domain: workspace.team.domain,
    ...(enterprise ? { enterprise_id: enterprise.id, enterprise_name: enterprise.name } : {}),
    channel_id: input.channel.id,
    channel_name: workspace.channelNameForPayload(input.channel),
    user_id: input.user.id,
    user_name: input.user.name,
    command: input.command,
    text: input.text,
    api_app_id: workspace.bot.appId,
    is_enterprise_install: String(identity.isEnterpriseInstall()),
    response_url: input.responseUrl,
    trigger_id: input.triggerId,
  };
}

/** The parts of a `block_actions` payload that depend on where the click happened. */
export type BlockActionsSourcePart =
  | {
      kind: 'message';
      channel: StandInChannel;
      messageTs: string;
      isEphemeral: boolean;
      /** The message object; absent for ephemerals, which Slack does not echo back. */
      message?: JsonObject;
      responseUrl: string;
      stateValues: Record<string, Record<string, ViewStateValue>>;
    }
  | { kind: 'view'; view: JsonObject; viewId: string };

/** A `block_actions` interaction payload. */
export function blockActionsPayload(
  identity: PayloadIdentity,
  input: {
    user: StandInUser;
    triggerId: string;
    actions: JsonObject[];
    source: BlockActionsSourcePart;
    teamNull?: boolean;
  },
): JsonObject {
  const payload: JsonObject = {
    type: 'block_actions',
    user: userRef(identity, input.user),
    api_app_id: identity.workspace.bot.appId,
    token: identity.token,
    trigger_id: input.triggerId,
    team: teamRef(identity, input.teamNull),
    enterprise: enterpriseRef(identity),
    is_enterprise_install: identity.isEnterpriseInstall(),
  };
  const { source } = input;
  if (source.kind === 'message') {
    payload.container = {
      type: 'message',
      message_ts: source.messageTs,
      channel_id: source.channel.id,
      is_ephemeral: source.isEphemeral,
    };
    payload.channel = {
      id: source.channel.id,
      name: identity.workspace.channelNameForPayload(source.channel),
    };
    if (source.message) payload.message = source.message;
    payload.state = { values: source.stateValues };
    payload.response_url = source.responseUrl;
  } else {
    payload.container = { type: 'view', view_id: source.viewId };
    payload.view = source.view;
  }
  payload.actions = input.actions;
  return payload;
}

/** The fields every view interaction payload starts with, after its `type`: team, user, app and token. */
function viewPayloadHead(identity: PayloadIdentity, user: StandInUser, teamNull = false): JsonObject {
  return {
    team: teamRef(identity, teamNull),
    user: userRef(identity, user),
    api_app_id: identity.workspace.bot.appId,
    token: identity.token,
  };
}

/** A `view_submission` interaction payload (`response_urls` is empty: no `response_url_enabled` inputs here). */
export function viewSubmissionPayload(
  identity: PayloadIdentity,
  input: { user: StandInUser; triggerId: string; view: JsonObject; teamNull?: boolean },
): JsonObject {
  return {
    type: 'view_submission',
    ...viewPayloadHead(identity, input.user, input.teamNull),
    trigger_id: input.triggerId,
    view: input.view,
    response_urls: [],
    enterprise: enterpriseRef(identity),
    is_enterprise_install: identity.isEnterpriseInstall(),
  };
}

/** A `view_closed` interaction payload (sent only for views with `notify_on_close: true`). */
export function viewClosedPayload(
  identity: PayloadIdentity,
  input: { user: StandInUser; view: JsonObject; isCleared: boolean },
): JsonObject {
  return {
    type: 'view_closed',
    ...viewPayloadHead(identity, input.user),
    view: input.view,
    is_cleared: input.isCleared,
    enterprise: enterpriseRef(identity),
    is_enterprise_install: identity.isEnterpriseInstall(),
  };
}

/**
 * An Events API `event_callback` envelope around an event. `authorizations` names the installation the event is
 * for: for an org-wide install its `team_id` is null and `is_enterprise_install` true
 * (docs.slack.dev/enterprise/organization-ready-apps).
 */
export function eventCallbackPayload(
  identity: PayloadIdentity,
  input: { event: JsonObject; eventId: string; eventTimeSeconds: number },
): JsonObject {
  const { workspace } = identity;
  const enterpriseId = workspace.enterprise?.id ?? null;
  const isEnterpriseInstall = identity.isEnterpriseInstall();
  return {
    token: identity.token,
    team_id: workspace.team.id,
    ...(enterpriseId !== null ? { enterprise_id: enterpriseId } : {}),
    context_team_id: workspace.team.id,
    context_enterprise_id: enterpriseId,
    api_app_id: workspace.bot.appId,
    event: input.event,
    type: 'event_callback',
    event_id: input.eventId,
    event_time: input.eventTimeSeconds,
    authorizations: [
      {
        enterprise_id: enterpriseId,
        team_id: isEnterpriseInstall ? null : workspace.team.id,
        user_id: workspace.bot.userId,
        is_bot: true,
        is_enterprise_install: isEnterpriseInstall,
      },
    ],
    is_ext_shared_channel: false,
    event_context: `4-${Buffer.from(input.eventId).toString('base64url')}`,
  };
}
