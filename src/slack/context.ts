import { randomUUID } from 'node:crypto';
import { RequestContext } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/sqlite';
import type { AnyMiddlewareArgs, Middleware } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Orm } from '../db/orm.js';
import type { Actor, Clock } from '../domain/actor.js';
import { createServices, type Services } from '../domain/services.js';
import type { Logger } from '../logger.js';

/** What every listener finds in Bolt's `context`, set by {@link requestContextMiddleware}. */
export interface OrgContext {
  [key: string]: unknown;
  /** This payload's own unit of work (a fork of the global EntityManager). */
  em: EntityManager;
  services: Services;
  /** A child logger carrying this payload's request id, team and user. */
  log: Logger;
  /** Short id shown to users in apologies and logged with the error. */
  requestId: string;
  /** Who sent the payload, resolved on first call and remembered. */
  actor: () => Promise<Actor>;
}

/** The Slack team and user a payload comes from, wherever its type keeps them. */
export function payloadIdentity(args: AnyMiddlewareArgs): { teamId?: string; userId?: string; type: string } {
  const body = args.body as Record<string, unknown>;
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
  const obj = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const event = obj(body.event);
  const teamId =
    str(body.team_id) ?? str(obj(body.team).id) ?? str(obj(body.user).team_id) ?? str(event.team);
  const userId = str(body.user_id) ?? str(obj(body.user).id) ?? str(event.user);
  const type = str(body.command) ?? str(body.type) ?? str(event.type) ?? 'unknown';
  return {
    ...(teamId ? { teamId } : {}),
    ...(userId ? { userId } : {}),
    type: type === 'event_callback' ? (str(event.type) ?? type) : type,
  };
}

/**
 * Reads the email of a Slack user's profile (`users.info`, scope `users:read.email`).
 * @returns the lower-cased email, or null when the profile has none
 * @throws the Web API error when the call fails
 */
export async function profileEmail(client: WebClient, userId: string): Promise<string | null> {
  const res = await client.users.info({ user: userId });
  return res.user?.profile?.email?.trim().toLowerCase() ?? null;
}

/**
 * Global Bolt middleware: gives each payload its own MikroORM context (`em.fork()` inside
 * `RequestContext.create`), its services, a child logger and a lazily resolved actor. It runs for HTTP, Socket
 * Mode and console payloads alike; the global EntityManager is never used for request work.
 */
export function requestContextMiddleware(deps: {
  orm: Orm;
  logger: Logger;
  clock: Clock;
  /** Settings of the domain services (see `createServices`). */
  serviceOptions?: Parameters<typeof createServices>[2];
}): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const { context, next, client } = args;
    const em = deps.orm.em.fork();
    const identity = payloadIdentity(args);
    const requestId = randomUUID().slice(0, 8);
    const services = createServices(em, deps.clock, deps.serviceOptions);
    let actor: Promise<Actor> | undefined;
    const orgContext: OrgContext = {
      em,
      services,
      requestId,
      log: deps.logger.child({
        requestId,
        teamId: identity.teamId,
        userId: identity.userId,
        payload: identity.type,
      }),
      actor: () => {
        if (!identity.teamId || !identity.userId) {
          return Promise.reject(new Error('This payload carries no Slack team or user'));
        }
        const { teamId, userId } = identity;
        actor ??= services.members.resolveActor(teamId, userId, () => profileEmail(client, userId));
        return actor;
      },
    };
    Object.assign(context, orgContext);
    await RequestContext.create(em, next);
  };
}
