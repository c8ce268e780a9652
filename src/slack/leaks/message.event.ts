import type { EntityManager } from '@mikro-orm/core';
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import {
  findLeakCandidates,
  type LeakCandidate,
  type LeakFollowUp,
  type LeakPlace,
  safeFileName,
} from '../../domain/clients/leaks.js';
import type { Logger } from '../../logger.js';
import type { OrgContext } from '../context.js';
import { activeAdminSlackUserIds, queueDelivery } from '../deliveries/queue.js';
import { posterNotice } from './leaks.blocks.js';

/** The text a `message` event carries: its own, or for `message_changed` the edited message's. */
function messageText(event: Record<string, unknown>): string {
  const inner = event.subtype === 'message_changed' ? event.message : event;
  if (!inner || typeof inner !== 'object') return '';
  const text = (inner as Record<string, unknown>).text;
  return typeof text === 'string' ? text : '';
}

/** The poster of a `message` event (for `message_changed`, the edited message's author). */
function poster(event: Record<string, unknown>): string | undefined {
  const inner = event.subtype === 'message_changed' ? event.message : event;
  const user = inner && typeof inner === 'object' ? (inner as Record<string, unknown>).user : undefined;
  return typeof user === 'string' && user ? user : undefined;
}

/** Whether the message was posted by a bot (ours or another's): such messages are not checked. */
function fromBot(event: Record<string, unknown>): boolean {
  const inner = (event.subtype === 'message_changed' ? event.message : event) as Record<string, unknown>;
  return inner?.bot_id !== undefined || inner?.subtype === 'bot_message';
}

/** Largest shared file whose text is read, in bytes (Slack's `size`): bigger ones are not checked. */
export const MAX_SCANNED_FILE_BYTES = 1024 * 1024;

/** At most this many files of one message are read (Slack lets a message carry up to 10). */
export const MAX_SCANNED_FILES = 10;

/** `filetype`s of text (docs.slack.dev/reference/objects/file-object#types) whose content is worth reading. */
const TEXT_FILETYPES = new Set(
  (
    'text csv tsv json yaml xml markdown post shell bash powershell dockerfile javascript typescript ' +
    'python ruby go java kotlin php rust csharp c cpp sql html css diff properties toml ini groovy perl ' +
    'scala swift r matlab lua haskell clojure elixir erlang dart puppet smalltalk vb verilog vbscript ' +
    'apex'
  ).split(' '),
);

/** A shared file of a `file_share` message, as the event describes it. */
interface SharedFile {
  id: string;
  name: string;
  /** Bytes, when the event says. */
  size: number | undefined;
  /** True when the event says it is text (snippet, post, `text/*`, a text `filetype`); undefined when it does not say. */
  textual: boolean | undefined;
}

/** Whether a file object (of an event or of `files.info`) is text; undefined when it carries no kind at all. */
function isTextual(file: Record<string, unknown>): boolean | undefined {
  const mode = file.mode;
  const mimetype = typeof file.mimetype === 'string' ? file.mimetype : undefined;
  const filetype = typeof file.filetype === 'string' ? file.filetype : undefined;
  if (mode === undefined && mimetype === undefined && filetype === undefined) return undefined;
  if (mode === 'snippet' || mode === 'post' || mode === 'docs') return true;
  if (mimetype?.startsWith('text/')) return true;
  if (mimetype && /^application\/(json|xml|yaml|x-yaml|javascript|x-sh)$/.test(mimetype)) return true;
  return filetype !== undefined && TEXT_FILETYPES.has(filetype);
}

/**
 * The files of a `message` event with subtype `file_share` (docs.slack.dev/reference/events/message/file_share):
 * its `files`, each with an id. Edits carry the files of the original message (already read then): none here.
 */
function sharedFiles(event: Record<string, unknown>): SharedFile[] {
  if (event.subtype !== 'file_share' || !Array.isArray(event.files)) return [];
  const out: SharedFile[] = [];
  for (const raw of event.files as unknown[]) {
    if (!raw || typeof raw !== 'object') continue;
    const file = raw as Record<string, unknown>;
    if (typeof file.id !== 'string' || !file.id) continue;
    const name = [file.name, file.title].find((v): v is string => typeof v === 'string' && v !== '');
    out.push({
      id: file.id,
      name: name ?? file.id,
      size: typeof file.size === 'number' ? file.size : undefined,
      textual: isTextual(file),
    });
    if (out.length >= MAX_SCANNED_FILES) break;
  }
  return out;
}

/** The names and titles of a message's files (user text as well: a credential may be written there). */
function fileNamesText(event: Record<string, unknown>): string {
  if (!Array.isArray(event.files)) return '';
  return (event.files as unknown[])
    .flatMap((f) =>
      f && typeof f === 'object'
        ? [(f as Record<string, unknown>).name, (f as Record<string, unknown>).title]
        : [],
    )
    .filter((v): v is string => typeof v === 'string')
    .join('\n');
}

/**
 * The text of one shared file, read with `files.info` (docs.slack.dev/reference/methods/files.info, scope
 * `files:read`: Slack answers a text file's or snippet's text in `content`), or null when it is not read: binary,
 * bigger than {@link MAX_SCANNED_FILE_BYTES}, or refused by Slack (logged with the error code only). One Web API
 * call at most, and none for a file the event already shows to be binary or too big. The text stays in memory.
 */
async function fileText(client: WebClient, file: SharedFile, log: Logger): Promise<string | null> {
  if (file.textual === false) return null;
  if (file.size !== undefined && file.size > MAX_SCANNED_FILE_BYTES) return null;
  try {
    const info = await client.files.info({ file: file.id });
    const described = (info.file ?? {}) as Record<string, unknown>;
    if (isTextual(described) === false) return null;
    const size = typeof described.size === 'number' ? described.size : undefined;
    if (size !== undefined && size > MAX_SCANNED_FILE_BYTES) return null;
    return typeof info.content === 'string' ? info.content.slice(0, MAX_SCANNED_FILE_BYTES) : null;
  } catch (err) {
    const code = (err as { data?: { error?: unknown } }).data?.error;
    log.warn(
      { fileId: file.id, error: typeof code === 'string' ? code : 'request_failed' },
      'a shared file could not be read for the leaked-secret guard',
    );
    return null;
  }
}

/**
 * Queues, in the neutralisation's own transaction, a `leak_notice` DM to each active Admin of the organization
 * that owns the credential (src/slack/deliveries): sent with that organization's installation token, so when the
 * leak was posted in another workspace its Admins still hear of it, in their own workspace. Channel and poster are
 * named only when the leak was posted in the organization's own workspace (see `LeakNotice`).
 */
function leakNotices(now: Date): LeakFollowUp {
  return async (em: EntityManager, leak, organization, place: LeakPlace) => {
    const own = organization.slackTeamId === place.slackTeamId;
    const admins = await activeAdminSlackUserIds(em, organization.id);
    for (const admin of admins) {
      queueDelivery(em, {
        organization,
        kind: 'leak_notice',
        target: admin,
        payload: {
          leakKind: leak.kind,
          clientId: leak.clientId,
          clientName: leak.clientName,
          outcome: leak.outcome,
          channelId: own ? place.channelId : null,
          posterId: own ? place.slackUserId : null,
          fileName: place.fileName ?? null,
        },
        now,
      });
    }
  };
}

/**
 * `message` events (`message.channels`, `message.groups`, `message.im`, `message.mpim`; docs.slack.dev/reference/
 * events/message), edits (`message_changed`) and shared files (subtype `file_share`) included: the leaked-secret
 * guard. Text without a prefix-shaped word with a right checksum costs no database query; each text-like shared
 * file under {@link MAX_SCANNED_FILE_BYTES} costs one `files.info` read, and a binary or bigger one nothing (the
 * `file_shared` event is not used: it comes beside this one for the same file, without its poster's message). A
 * live credential is neutralised (src/domain/clients/leaks.ts); the poster gets an ephemeral notice in the channel
 * ("Your file *name* …" when it was in a file) and the owning organization's Admins a DM through the Slack delivery
 * outbox, queued in the neutralisation's transaction and sent with that organization's own token — also when it
 * was posted in another workspace (see `LeakNotice` for what they are told then). Neither text nor file content is
 * stored or logged; bot messages are skipped.
 */
export async function messageEvent({
  event,
  body,
  client,
  context,
}: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs<OrgContext>): Promise<void> {
  const raw = event as unknown as Record<string, unknown>;
  if (fromBot(raw)) return;
  const files = sharedFiles(raw);
  const textCandidates = findLeakCandidates(`${messageText(raw)}\n${fileNamesText(raw)}`);
  if (textCandidates.length === 0 && files.length === 0) return;
  const channelId = typeof raw.channel === 'string' ? raw.channel : '';
  const posterId = poster(raw);
  const teamId = (body as { team_id?: string }).team_id ?? '';
  if (!channelId || !posterId) return;
  const found: { candidates: LeakCandidate[]; fileName?: string }[] = [];
  if (textCandidates.length > 0) found.push({ candidates: textCandidates });
  for (const file of files) {
    const text = await fileText(client, file, context.log);
    const candidates = text === null ? [] : findLeakCandidates(text);
    if (candidates.length > 0) found.push({ candidates, fileName: safeFileName(file.name) });
  }
  if (found.length === 0) return;
  const guard = context.services.clients.leakGuard();
  const followUp = leakNotices(context.clock.now());
  let neutralised = 0;
  for (const { candidates, fileName } of found) {
    const place: LeakPlace = {
      slackTeamId: teamId,
      channelId,
      slackUserId: posterId,
      ...(fileName !== undefined ? { fileName } : {}),
    };
    const leaks = await guard.neutralise(candidates, place, followUp);
    neutralised += leaks.length;
    for (const leak of leaks) {
      const own = leak.organizationSlackTeamId === teamId;
      context.log.warn(
        {
          clientId: own ? leak.clientId : undefined,
          kind: leak.kind,
          outcome: leak.outcome,
          channelId,
          inFile: fileName !== undefined,
        },
        'leaked credential neutralised',
      );
      try {
        await client.chat.postEphemeral({
          channel: channelId,
          user: posterId,
          text: posterNotice(leak, own, fileName),
        });
      } catch (err) {
        context.log.warn({ err, channelId }, 'leak notice to the poster failed');
      }
    }
  }
  // The Admins' DMs were queued with each neutralisation: send them now (never rejects; a slow Slack leaves them queued).
  if (neutralised > 0) await context.deliver();
}
