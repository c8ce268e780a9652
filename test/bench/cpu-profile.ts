/**
 * Reads a V8 `.cpuprofile` (written by `node --cpu-prof`) and sums self time per function and per package, so the
 * benchmark can say where our app spends its CPU without opening DevTools. Idle time is left out: shares are of
 * the time the thread was busy.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function or package. */
export interface HotSpot {
  name: string;
  /** Milliseconds of self time. */
  selfMs: number;
  /** Share of the busy (non-idle) time, 0–1. */
  share: number;
}

/** Where in the tree a script lives: `@mikro-orm/core`, `src/slack/…`, `node:internal`, … */
function packageOf(url: string): string {
  if (!url) return '(native / gc / idle)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) return nm[1];
  const src = /\/(src|migrations)\/(.*)$/.exec(url);
  if (src?.[2]) return `${src[1]}/${src[2].split('/').slice(0, 2).join('/')}`;
  return url;
}

/**
 * Summarises a profile.
 * @param path the `.cpuprofile` file
 * @param top how many entries of each list to return
 */
export function summariseProfile(
  path: string,
  top = 12,
): { functions: HotSpot[]; packages: HotSpot[]; busyMs: number } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fnSelf = new Map<string, number>();
  const pkgSelf = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    if (!node) return;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') return;
    total += delta;
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(src|migrations)\//, '$1/')}:${lineNumber + 1}`;
    fnSelf.set(fn, (fnSelf.get(fn) ?? 0) + delta);
    const pkg = functionName === '(garbage collector)' ? '(garbage collector)' : packageOf(url);
    pkgSelf.set(pkg, (pkgSelf.get(pkg) ?? 0) + delta);
  });
  const rank = (m: Map<string, number>): HotSpot[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, selfMs]) => ({ name, selfMs, share: total > 0 ? selfMs / total : 0 }));
  return { functions: rank(fnSelf), packages: rank(pkgSelf), busyMs: total };
}
