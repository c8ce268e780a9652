/**
 * A browser walking Slack's OAuth v2 install flow (docs.slack.dev/authentication/installing-with-oauth) against the
 * app and the stand-in: the app's install page, Slack's authorize page (the stand-in's, where the user "allows"),
 * and the redirect back to the app. Tests and console mode install the app this way, over real HTTP.
 */
import type { SlackStandIn } from './slack-standin.js';

/** What is installed: a workspace, or an Enterprise Grid organization (an org-wide install). */
export type InstallTarget = { team: string } | { enterprise: string };

/** What the browser saw at the end of an install flow. */
export interface InstallOutcome {
  /** The status of the app's OAuth redirect page (200 when installed). */
  status: number;
  /** That page's HTML. */
  html: string;
  /** The redirect URL the stand-in sent the browser to (with `code` and `state`). */
  callbackUrl: string;
  /** The state cookie the install page set (`name=value`), sent back with the redirect as a browser would. */
  cookie: string;
}

/** The "Add to Slack" link of an install page, its HTML character references decoded. */
export function addToSlackLink(html: string): string | undefined {
  return /href="([^"]+)"/
    .exec(html)?.[1]
    ?.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replaceAll('&amp;', '&');
}

/** `fetch` without following redirects; a network failure names the address (without its query: codes, state). */
async function get(url: string | URL, headers: Record<string, string> = {}): Promise<Response> {
  try {
    return await fetch(url, { headers, redirect: 'manual' });
  } catch (error) {
    const cause =
      error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : error;
    const { origin, pathname } = new URL(url);
    throw new Error(`${origin}${pathname} could not be reached: ${String(cause)}`);
  }
}

/**
 * Installs the app as a person in a browser would: `GET <installUrl>` (the app's "Add to Slack" page; its state
 * cookie is kept), then the page's link to the stand-in's authorize page for `target` as `userId` (who clicks
 * "Allow"), then the stand-in's 302 back to the app's OAuth redirect, with the cookie.
 *
 * @param standin the stand-in whose `oauthApp` is the app's OAuth registration
 * @param options `installUrl` — the app's install page, e.g. `http://127.0.0.1:3000/slack/install`; `target` — the
 *   workspace (team id) or organization (enterprise id) to install on; `userId` — the installing user
 * @returns what the app's redirect page answered (a failure page is returned, not thrown: its status says)
 * @throws Error when the install page has no "Add to Slack" link, or the authorize page does not redirect back
 *   (an unknown client or workspace, a redirect URL that does not match), or a page cannot be reached (the
 *   message names its address)
 */
export async function installThroughBrowser(
  standin: SlackStandIn,
  options: { installUrl: string; target: InstallTarget; userId: string },
): Promise<InstallOutcome> {
  const start = await get(options.installUrl);
  const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const page = await start.text();
  const href = addToSlackLink(page);
  if (start.status !== 200 || !href) {
    throw new Error(`the install page ${options.installUrl} answered ${start.status}: ${page}`);
  }
  const authorize = new URL(href);
  const [key, id] =
    'team' in options.target ? ['team', options.target.team] : ['enterprise', options.target.enterprise];
  standin.setInstallingUser(id, options.userId);
  authorize.searchParams.set(key, id);
  const back = await get(authorize);
  const callbackUrl = back.headers.get('location');
  if (back.status !== 302 || !callbackUrl) {
    throw new Error(`Slack's authorize page answered ${back.status} to ${authorize}: ${await back.text()}`);
  }
  const done = await get(callbackUrl, { cookie });
  return { status: done.status, html: await done.text(), callbackUrl, cookie };
}
