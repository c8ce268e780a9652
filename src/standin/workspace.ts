/**
 * The workspace the stand-in models: its team, users, conversations and the bot's place in them. Answers the
 * questions Slack's Web API asks before acting (does this channel exist, is the bot or a user in it) and renders
 * users and the team in the shapes of `users.info` and `team.info`.
 */
import type { IdFactory } from './ids.js';
import type {
  JsonObject,
  StandInChannel,
  StandInChannelInput,
  StandInEnterprise,
  StandInTeam,
  StandInUser,
  StandInUserInput,
} from './types.js';

/** Who the bot is. */
export interface BotIdentity {
  userId: string;
  botId: string;
  appId: string;
  name: string;
}

const DEFAULT_TZ = 'America/Los_Angeles';

function offsetSeconds(timeZone: string, at: Date): number {
  const part = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(part ?? '');
  if (!match) return 0;
  const sign = match[1] === '-' ? -1 : 1;
  return sign * (Number(match[2]) * 3600 + Number(match[3]) * 60);
}

function zoneLabel(timeZone: string, at: Date): string {
  return (
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'long' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone
  );
}

/** Users, conversations and the bot, with Slack's membership rules. */
export class Workspace {
  readonly users = new Map<string, StandInUser>();
  readonly channels = new Map<string, StandInChannel>();
  private readonly imByUser = new Map<string, string>();

  /**
   * @param enterprise the Enterprise Grid organization the workspace belongs to, if any.
   */
  constructor(
    readonly team: Required<StandInTeam>,
    readonly bot: BotIdentity,
    private readonly ids: IdFactory,
    readonly enterprise?: StandInEnterprise,
  ) {
    this.addUser({ id: bot.userId, name: bot.name, realName: bot.name, isBot: true });
  }

  /** Adds or replaces a user; returns it with defaults applied. */
  addUser(input: StandInUserInput): StandInUser {
    const user: StandInUser = {
      id: input.id,
      name: input.name,
      realName: input.realName ?? input.name,
      email: input.email,
      isAdmin: input.isAdmin ?? false,
      isOwner: input.isOwner ?? false,
      isBot: input.isBot ?? false,
      deleted: input.deleted ?? false,
      tz: input.tz ?? DEFAULT_TZ,
      teamId: input.teamId ?? this.team.id,
      enterpriseId:
        input.enterpriseId ??
        ((input.teamId ?? this.team.id) === this.team.id ? this.enterprise?.id : undefined),
    };
    this.users.set(user.id, user);
    return user;
  }

  /**
   * Adds or replaces a conversation. A `D…` id or `isIm` makes a direct message; when it is between one person and
   * the bot it becomes that person's DM with the bot (used by `conversations.open` and user-id channels).
   */
  addChannel(input: StandInChannelInput): StandInChannel {
    const isIm = input.isIm ?? input.id.startsWith('D');
    const channel: StandInChannel = {
      id: input.id,
      name: input.name,
      isIm,
      isPrivate: isIm || (input.isPrivate ?? input.id.startsWith('G')),
      isArchived: input.isArchived ?? false,
      members: [...input.members],
    };
    this.channels.set(channel.id, channel);
    if (isIm && channel.members.length === 2 && channel.members.includes(this.bot.userId)) {
      const person = channel.members.find((m) => m !== this.bot.userId);
      if (person !== undefined) this.imByUser.set(person, channel.id);
    }
    return channel;
  }

  /** The user's direct message with the bot, created on demand (as `conversations.open` does). */
  imWithBot(userId: string): StandInChannel {
    const existing = this.imByUser.get(userId);
    const channel = existing === undefined ? undefined : this.channels.get(existing);
    if (channel) return channel;
    return this.addChannel({
      id: this.ids.imId(),
      name: userId,
      isIm: true,
      members: [userId, this.bot.userId],
    });
  }

  /** A multi-person DM of these users and the bot (as `conversations.open` with several users), reused if it exists. */
  groupDmWithBot(userIds: readonly string[]): StandInChannel {
    const wanted = new Set([...userIds, this.bot.userId]);
    for (const channel of this.channels.values()) {
      const sameMembers =
        channel.members.length === wanted.size && channel.members.every((m) => wanted.has(m));
      if (!channel.isIm && channel.isPrivate && channel.id.startsWith('G') && sameMembers) return channel;
    }
    const names = userIds.map((id) => this.users.get(id)?.name ?? id);
    return this.addChannel({
      id: this.ids.mpimId(),
      name: `mpdm-${names.join('--')}-1`,
      isPrivate: true,
      members: [...wanted],
    });
  }

  /** True when the user belongs to this workspace (not a user of another workspace in a shared channel). */
  isOwnUser(user: StandInUser): boolean {
    return user.teamId === this.team.id;
  }

  /** A conversation by id, or by name with or without `#`. */
  findChannel(idOrName: string): StandInChannel | undefined {
    const byId = this.channels.get(idOrName);
    if (byId) return byId;
    const name = idOrName.replace(/^#/, '');
    for (const channel of this.channels.values()) if (!channel.isIm && channel.name === name) return channel;
    return undefined;
  }

  /** True when the user (or the bot, by its user id) is a member of the conversation. */
  isMember(channel: StandInChannel, userId: string): boolean {
    return channel.members.includes(userId);
  }

  /** The name Slack puts in a slash command's `channel_name`. */
  channelNameForPayload(channel: StandInChannel): string {
    if (channel.isIm) return 'directmessage';
    if (channel.isPrivate && channel.id.startsWith('G')) return 'privategroup';
    return channel.name;
  }

  /**
   * A conversation in the shape of `conversations.info`'s `channel` as the bot sees it
   * (docs.slack.dev/reference/methods/conversations.info): `is_member` tells whether the bot is in it.
   */
  channelObject(channel: StandInChannel): JsonObject {
    const isGroup = channel.isPrivate && !channel.isIm && channel.id.startsWith('G');
    return {
      id: channel.id,
      name: channel.isIm ? undefined : channel.name,
      is_channel: !channel.isIm && !isGroup,
      is_group: isGroup,
      is_im: channel.isIm,
      is_private: channel.isPrivate,
      is_archived: channel.isArchived,
      is_member: this.isMember(channel, this.bot.userId),
      ...(channel.isIm ? {} : { num_members: channel.members.length }),
    } as JsonObject;
  }

  /** A user in the shape of `users.info`'s `user` (docs.slack.dev/reference/objects/user-object). */
  userObject(user: StandInUser, nowMs: number): JsonObject {
    const at = new Date(nowMs);
    const profile: JsonObject = {
      real_name: user.realName,
      real_name_normalized: user.realName,
      display_name: user.name,
      display_name_normalized: user.name,
      title: '',
      phone: '',
      status_text: '',
      status_emoji: '',
      avatar_hash: '',
      team: user.teamId,
    };
    if (user.email !== undefined) profile.email = user.email;
    if (user.isBot) {
      profile.bot_id = user.id === this.bot.userId ? this.bot.botId : `B${user.id.slice(1)}`;
      profile.api_app_id = user.id === this.bot.userId ? this.bot.appId : '';
    }
    return {
      id: user.id,
      team_id: user.teamId,
      name: user.name,
      deleted: user.deleted,
      color: '9f69e7',
      real_name: user.realName,
      tz: user.tz,
      tz_label: zoneLabel(user.tz, at),
      tz_offset: offsetSeconds(user.tz, at),
      profile,
      is_admin: user.isAdmin,
      is_owner: user.isOwner,
      is_primary_owner: false,
      is_restricted: false,
      is_ultra_restricted: false,
      is_bot: user.isBot,
      is_app_user: false,
      updated: Math.floor(nowMs / 1000),
      is_email_confirmed: user.email !== undefined,
      // docs.slack.dev/reference/methods/users.info: a Grid user's enterprise membership.
      ...(user.enterpriseId
        ? {
            enterprise_user: {
              id: user.id,
              enterprise_id: user.enterpriseId,
              is_admin: user.isAdmin,
              is_owner: user.isOwner,
              teams: [user.teamId],
            },
          }
        : {}),
    };
  }

  /** The team in the shape of `team.info`'s `team` (with `enterprise_id` / `enterprise_name` in a Grid). */
  teamObject(): JsonObject {
    return {
      id: this.team.id,
      name: this.team.name,
      domain: this.team.domain,
      email_domain: '',
      icon: { image_default: true },
      url: `https://${this.team.domain}.slack.com/`,
      ...(this.enterprise
        ? { enterprise_id: this.enterprise.id, enterprise_name: this.enterprise.name }
        : {}),
    };
  }
}
