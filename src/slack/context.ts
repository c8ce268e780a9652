import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Orm } from '../db/orm.js';
import type { Actor, Clock } from '../domain/actor.js';
import type { ProfileLookup } from '../domain/members/slack-account.js';
import type { TeamDirectory } from '../domain/members/team-directory.js';
import type { ServiceOptions } from '../domain/services.js';
import type { Logger } from '../logger.js';
import { type SlackServices, slackServices } from './deliveries/deliveries.js';
import { profileLookup, slackProfile } from './shared/slack-profile.js';

/** What every listener finds in Bolt's `context`, set by {@link requestContextMiddleware}. */
export interface OrgContext {
  [key: string]: unknown;
  /** This payload's own unit of work (a fork of the global EntityManager). */
  em: EntityManager;
  /** The domain services and the Slack side's own deliveries (see {@link SlackServices}). */
  services: SlackServices;
  /** A child logger carrying this payload's request id, team and user. */
  log: Logger;
  /** Short id shown to users in apologies and logged with the error. */
  requestId: string;
  /** Who sent the payload, resolved on first call and remembered. */
  actor: () => Promise<Actor>;
  /** The app's read model of each team (no SQL to read it). */
  directory: TeamDirectory;
  /** `users.info` in the shape the domain reads; null for a user Slack does not know. */
  profiles: ProfileLookup;
  /**
   * Runs the Slack delivery worker now and resolves when it is done, or after `DELIVER_WAIT_MS` if Slack is slow
   * (never rejects): call it after a change committed, so the messages and views it queued go out at once when
   * Slack allows (src/slack/deliveries).
   */
  deliver: () => Promise<void>;
  /** The domain's clock (tests move it): periods a listener computes itself, like an audit export's. */
  clock: Clock;
}

/**
 * The Slack team and user a payload comes from, wherever its type keeps them. `teamId` is the workspace the payload
 * belongs to (which organization); `userTeamId` is the acting user's own workspace when the payload says it: the
 * `user.team_id` of `block_actions`, `view_submission` and `view_closed` payloads, which Slack sets to the user's
 * home workspace (or enterprise under Grid) even when they act in a Slack Connect channel shared with ours
 * (docs.slack.dev/reference/interaction-payloads/block_actions-payload). Slash commands carry no such field: their
 * caller's workspace comes from `users.info`.
 */
export function payloadIdentity(args: AnyMiddlewareArgs): {
  teamId?: string;
  userId?: string;
  userTeamId?: string;
  /** The enterprise under Enterprise Grid (the payload's `enterprise_id`, `enterprise.id` or `team.enterprise_id`). */
  enterpriseId?: string;
  type: string;
} {
  const body = args.body as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const event = obj(body.event);
  // Under Enterprise Grid `user.team_id` may be the enterprise's id: a user of the enterprise that holds this
  // workspace is one of its own, so that id reads as the workspace's.
  const enterpriseId =
    str(body.enterprise_id) ?? str(obj(body.enterprise).id) ?? str(obj(body.team).enterprise_id);
  // `team` is null for an org-wide installation's payload outside a workspace; then a modal names the workspace
  // that has the app in `view.app_installed_team_id` (unless that is the enterprise itself, for an org-wide
  // install), and else the user's own workspace is the one left.
  const installedTeam = str(obj(body.view).app_installed_team_id);
  const teamId =
    str(body.team_id) ??
    str(obj(body.team).id) ??
    (installedTeam && installedTeam !== enterpriseId && !installedTeam.startsWith('E')
      ? installedTeam
      : undefined) ??
    str(obj(body.user).team_id) ??
    str(event.team);
  const userId = str(body.user_id) ?? str(obj(body.user).id) ?? str(event.user);
  const ownTeamId = str(obj(body.user).team_id);
  const userTeamId = ownTeamId && ownTeamId === enterpriseId ? teamId : ownTeamId;
  const type = str(body.command) ?? str(body.type) ?? str(event.type) ?? 'unknown';
  return {
    ...(teamId ? { teamId } : {}),
    ...(userId ? { userId } : {}),
    ...(userTeamId ? { userTeamId } : {}),
    ...(enterpriseId ? { enterpriseId } : {}),
    type: type === 'event_callback' ? (str(event.type) ?? type) : type,
  };
}

/** What a payload's scope needs from the app. */
interface ScopeDeps {
  orm: Orm;
  logger: Logger;
  clock: Clock;
  /** Settings and ports of the domain services (see `createServices`). */
  serviceOptions: ServiceOptions;
  directory: TeamDirectory;
  /** Runs the Slack delivery worker (see {@link OrgContext.deliver}). */
  deliver: () => Promise<void>;
}

/**
 * One payload's unit of work, services, logger and request id, each made on first use: an acknowledgement that
 * needs none of them (a page served from the team directory, say) pays for none of them.
 */
class PayloadScope {
  #em: EntityManager | undefined;
  #services: SlackServices | undefined;
  #log: Logger | undefined;
  #requestId: string | undefined;
  #actor: Promise<Actor> | undefined;

  #identity: ReturnType<typeof payloadIdentity> | undefined;

  constructor(
    private readonly deps: ScopeDeps,
    private readonly args: AnyMiddlewareArgs,
    private readonly client: WebClient,
    givenRequestId?: string,
  ) {
    this.#requestId = givenRequestId;
  }

  get identity(): ReturnType<typeof payloadIdentity> {
    this.#identity ??= payloadIdentity(this.args);
    return this.#identity;
  }

  get em(): EntityManager {
    this.#em ??= this.deps.orm.em.fork();
    return this.#em;
  }

  get services(): SlackServices {
    this.#services ??= slackServices(this.em, this.deps.clock, this.deps.serviceOptions);
    return this.#services;
  }

  get requestId(): string {
    this.#requestId ??= randomUUID().slice(0, 8);
    return this.#requestId;
  }

  get log(): Logger {
    this.#log ??= this.deps.logger.child({
      requestId: this.requestId,
      teamId: this.identity.teamId,
      userId: this.identity.userId,
      payload: this.identity.type,
    });
    return this.#log;
  }

  actor(): Promise<Actor> {
    const { teamId, userId, userTeamId } = this.identity;
    if (!teamId || !userId) return Promise.reject(new Error('This payload carries no Slack team or user'));
    this.#actor ??= this.services.members.resolveActor(
      teamId,
      userId,
      () => slackProfile(this.client, userId),
      userTeamId,
    );
    return this.#actor;
  }
}

const SCOPE = Symbol('payload scope');
type Scoped = { [SCOPE]: PayloadScope };

/** Getters that read the payload's scope; one set for every payload. */
const SCOPE_GETTERS: PropertyDescriptorMap = Object.fromEntries(
  (['em', 'services', 'log', 'requestId'] as const).map((key) => [
    key,
    {
      get(this: Scoped) {
        return this[SCOPE][key];
      },
      enumerable: true,
      configurable: true,
    },
  ]),
);

/**
 * Global Bolt middleware: gives each payload its own MikroORM context (a fork of the global EntityManager, made on
 * first use of `context.em`), its services, a child logger and a lazily resolved actor. It runs for HTTP, Socket
 * Mode and console payloads alike. The global EntityManager is never used for request work: MikroORM refuses it
 * (`allowGlobalContext` is off), so a listener that reached for it would fail, not share state.
 */
export function requestContextMiddleware(deps: ScopeDeps): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { context, next, client } = args;
    // The Slack edge gives each payload its request id (`customProperties`), so its log lines and ours share it.
    const given = typeof context.requestId === 'string' ? context.requestId : undefined;
    const scope = new PayloadScope(deps, args, client, given);
    Object.defineProperty(context, SCOPE, { value: scope });
    Object.defineProperties(context, SCOPE_GETTERS);
    context.actor = () => scope.actor();
    context.directory = deps.directory;
    context.profiles = profileLookup(client);
    context.deliver = deps.deliver;
    context.clock = deps.clock;
    await next();
  };
}
