/**
 * response_urls as Slack issues them with slash commands and message interactions: each takes at most 5 posts
 * within 30 minutes of its issue (docs.slack.dev/interactivity/handling-user-interaction#message_responses).
 */
import type { IdFactory } from './ids.js';

/** The message a response_url can replace or delete. */
export type OriginalMessage = { kind: 'message' | 'ephemeral'; channel: string; ts: string };

/** What a response_url answers to. */
export interface ResponseUrlEntry {
  id: string;
  url: string;
  /** Conversation where `in_channel` responses go. */
  channel: string;
  /** The user who sees `ephemeral` responses. */
  user: string;
  /** The workspace of the interaction (whose messages it can post, replace or delete). */
  teamId: string | undefined;
  issuedAt: number;
  /** Milliseconds since the epoch of each accepted post. */
  posts: number[];
  /**
   * The message `replace_original` / `delete_original` act on: the message an action came from, or for a slash
   * command the last message posted through this URL.
   */
  original: OriginalMessage | undefined;
  /** True for slash command URLs: each post becomes the new original. */
  tracksLastPost: boolean;
}

/** Outcome of a post to a response_url. */
export type ResponseUrlUse =
  | { ok: true; entry: ResponseUrlEntry }
  | { ok: false; error: 'used_url' | 'expired_url' | 'unknown_url' };

/** Issues response_urls and enforces their limits. */
export class ResponseUrlRegistry {
  static readonly MAX_POSTS = 5;
  /** 30 minutes in milliseconds. */
  static readonly LIFETIME_MS = 30 * 60 * 1000;
  private readonly entries = new Map<string, ResponseUrlEntry>();

  constructor(
    private readonly ids: IdFactory,
    private readonly now: () => number,
  ) {}

  /**
   * A new response_url under `baseUrl` (e.g. `http://127.0.0.1:<port>/response/`).
   * @returns the entry; its `url` goes into the payload.
   */
  issue(
    baseUrl: string,
    target: { channel: string; user: string; teamId?: string; original?: OriginalMessage },
  ): ResponseUrlEntry {
    const id = this.ids.secret();
    const entry: ResponseUrlEntry = {
      id,
      url: `${baseUrl}${id}`,
      channel: target.channel,
      user: target.user,
      teamId: target.teamId,
      issuedAt: this.now(),
      posts: [],
      original: target.original,
      tracksLastPost: target.original === undefined,
    };
    this.entries.set(id, entry);
    return entry;
  }

  /** Counts a post against the URL's limits, or says why Slack would refuse it. */
  use(id: string): ResponseUrlUse {
    const entry = this.entries.get(id);
    if (!entry) return { ok: false, error: 'unknown_url' };
    const now = this.now();
    if (now - entry.issuedAt >= ResponseUrlRegistry.LIFETIME_MS) return { ok: false, error: 'expired_url' };
    if (entry.posts.length >= ResponseUrlRegistry.MAX_POSTS) return { ok: false, error: 'used_url' };
    entry.posts.push(now);
    return { ok: true, entry };
  }

  /** The entry of a URL id, for inspection. */
  get(id: string): ResponseUrlEntry | undefined {
    return this.entries.get(id);
  }
}
