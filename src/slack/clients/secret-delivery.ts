import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { Actor } from '../../domain/actor.js';
import type { ClientsService, IssuedSecret } from '../../domain/clients/clients.service.js';
import type { Logger } from '../../logger.js';
import { plainMessage, type SlackMessage } from '../shared/common.blocks.js';
import { postToResponseUrl, replyPrivately } from '../shared/reply.js';
import { escapeMrkdwn } from '../shared/text.js';
import { decodePrivateMetadata, encodePrivateMetadata } from '../shared/view-metadata.js';
import { secretMessage } from './clients.blocks.js';

/**
 * Where a secret may go: the requester alone, ephemerally. `responseUrl` is the command's or the clicked message's
 * (it works in DMs between people and in private channels without the bot); `channelId` is the conversation the
 * request came from, for `chat.postEphemeral` when there is no response_url.
 */
export interface SecretTarget {
  userId: string;
  responseUrl?: string | undefined;
  channelId?: string | undefined;
}

/** What the create-client modal carries in private_metadata: where to deliver. Never a secret. */
const ModalMetadata = z.object({
  responseUrl: z.string().url().optional(),
  channelId: z
    .string()
    .regex(/^[CDG][A-Z0-9]+$/)
    .optional(),
});

/**
 * Encodes the create-client modal's private_metadata.
 * @throws Error past Slack's 3000 characters
 */
export function encodeClientModalMetadata(meta: { responseUrl?: string; channelId?: string }): string {
  return encodePrivateMetadata(ModalMetadata.parse(meta));
}

/** Decodes it; anything malformed reads as empty (then the secret goes by the bot's own DM, ephemerally). */
export function decodeClientModalMetadata(text: string | undefined): {
  responseUrl?: string;
  channelId?: string;
} {
  return decodePrivateMetadata(ModalMetadata, text) ?? {};
}

/** The Slack error code of a failed call, or the error's name: safe to log (never a request body). */
function failureCode(err: unknown): string {
  const data = (err as { data?: { error?: unknown } }).data;
  if (data && typeof data.error === 'string') return data.error;
  return err instanceof Error ? err.name : 'unknown';
}

/**
 * Shows a message to one user only, ephemerally: through `responseUrl` if there is one, else `chat.postEphemeral`
 * in `channelId`, else `chat.postEphemeral` in the user's DM with the bot (`conversations.open`). A persistent
 * message is never used, so a secret does not stay in any conversation's history.
 * @returns true when one of them accepted the message
 */
export async function deliverEphemeral(
  client: WebClient,
  target: SecretTarget,
  message: SlackMessage,
  log: Logger,
): Promise<boolean> {
  if (target.responseUrl) {
    try {
      await postToResponseUrl(target.responseUrl, message);
      return true;
    } catch (err) {
      log.warn({ failure: failureCode(err) }, 'secret not delivered via response_url');
    }
  }
  const post = async (channel: string): Promise<boolean> => {
    try {
      await client.chat.postEphemeral({
        channel,
        user: target.userId,
        text: message.text,
        blocks: message.blocks,
      });
      return true;
    } catch (err) {
      log.warn({ failure: failureCode(err), channel }, 'secret not delivered via chat.postEphemeral');
      return false;
    }
  };
  if (target.channelId && (await post(target.channelId))) return true;
  try {
    const im = await client.conversations.open({ users: target.userId });
    if (im.channel?.id && im.channel.id !== target.channelId && (await post(im.channel.id))) return true;
  } catch (err) {
    log.warn({ failure: failureCode(err) }, 'could not open the DM with the requester');
  }
  return false;
}

/**
 * Delivers a new client's secret; when that fails the client is removed (issue 4: "the client is not kept") and
 * the admin is told, privately, that nothing was created.
 * @returns whether the client was kept
 */
export async function deliverNewClient(
  deps: { client: WebClient; clients: ClientsService; log: Logger },
  actor: Actor,
  target: SecretTarget,
  issued: IssuedSecret,
): Promise<boolean> {
  if (await deliverEphemeral(deps.client, target, secretMessage(issued.client, issued.secret), deps.log)) {
    deps.log.info({ clientId: issued.client.id }, 'API client created; secret delivered');
    return true;
  }
  await deps.clients.discardUndelivered(actor, issued.client.id);
  deps.log.warn({ clientId: issued.client.id }, 'API client discarded: its secret could not be delivered');
  await tellPrivately(
    deps,
    target,
    `The secret of *${escapeMrkdwn(issued.client.name)}* could not be shown to you, so the client was not kept: nothing was created. Try again with \`/org clients create\`.`,
  );
  return false;
}

/**
 * Delivers a rotated secret; when that fails the rotation is undone (the current secret stays as it was) and the
 * admin is told.
 * @returns whether the rotation was kept
 */
export async function deliverRotatedSecret(
  deps: { client: WebClient; clients: ClientsService; log: Logger },
  actor: Actor,
  target: SecretTarget,
  issued: IssuedSecret & { previousValidUntil: Date },
): Promise<boolean> {
  const message = secretMessage(issued.client, issued.secret, issued.previousValidUntil);
  if (await deliverEphemeral(deps.client, target, message, deps.log)) {
    deps.log.info({ clientId: issued.client.id }, 'client secret rotated; secret delivered');
    return true;
  }
  await deps.clients.revertRotation(actor, issued.client.id, issued.secretId);
  deps.log.warn({ clientId: issued.client.id }, 'rotation undone: the new secret could not be delivered');
  await tellPrivately(
    deps,
    target,
    `The new secret of *${escapeMrkdwn(issued.client.name)}* could not be shown to you, so the rotation was undone: the current secret is unchanged.`,
  );
  return false;
}

/** A message without any secret, to the user alone: response_url, else a DM from the bot. */
async function tellPrivately(deps: { client: WebClient; log: Logger }, target: SecretTarget, text: string) {
  const message = plainMessage(text);
  try {
    await replyPrivately(deps.client, { userId: target.userId, responseUrl: target.responseUrl }, message);
  } catch {
    try {
      await replyPrivately(deps.client, { userId: target.userId }, message);
    } catch (err) {
      deps.log.error(
        { failure: failureCode(err) },
        'could not tell the admin that the secret was not delivered',
      );
    }
  }
}
