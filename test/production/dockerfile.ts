/**
 * A reader of the project's Dockerfile, enough for test/production/image.test.ts to run its steps outside Docker:
 * stages (`FROM … AS name`), `WORKDIR`, `COPY [--from=stage] [--chown=…] src… dest`, `RUN` (shell form), `ENV k=v …`,
 * `USER`, `HEALTHCHECK … CMD [json]` and `CMD [json]`. Line continuations (`\` at the end of a line) and comments are
 * handled as Docker does (https://docs.docker.com/reference/dockerfile/); anything else is kept as `other`.
 */

/** One instruction of a stage. */
export type Step =
  | { kind: 'workdir'; path: string }
  | { kind: 'copy'; from: string | undefined; sources: string[]; dest: string }
  | { kind: 'run'; command: string }
  | { kind: 'env'; vars: Record<string, string> }
  | { kind: 'user'; user: string }
  | { kind: 'healthcheck'; command: string[] }
  | { kind: 'cmd'; command: string[] }
  | { kind: 'other'; instruction: string; args: string };

/** A build stage: its name (`AS …`, else its index) and its instructions in order. */
export interface Stage {
  name: string;
  steps: Step[];
}

/** Splits `a=b c="d e"` into variables (the `ENV key=value …` form only). */
function parseEnv(args: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) vars[m[1] ?? ''] = m[3] ?? m[2] ?? '';
  return vars;
}

/**
 * Parses Dockerfile text into its stages.
 * @throws Error for an instruction before the first FROM (other than ARG) or a CMD/HEALTHCHECK not in JSON form
 */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\r?\n(\s*#[^\n]*\n)*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, word = '', rest = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = word.toUpperCase();
    if (instruction === 'FROM') {
      const as = /\s+AS\s+(\S+)\s*$/i.exec(rest);
      stages.push({ name: as?.[1] ?? String(stages.length), steps: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) {
      if (instruction === 'ARG') continue;
      throw new Error(`Dockerfile: ${instruction} before the first FROM`);
    }
    const steps = stage.steps;
    if (instruction === 'WORKDIR') steps.push({ kind: 'workdir', path: rest });
    else if (instruction === 'RUN') steps.push({ kind: 'run', command: rest });
    else if (instruction === 'ENV') steps.push({ kind: 'env', vars: parseEnv(rest) });
    else if (instruction === 'USER') steps.push({ kind: 'user', user: rest });
    else if (instruction === 'COPY') {
      const words = rest.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      steps.push({ kind: 'copy', from, sources: paths.slice(0, -1), dest: paths.at(-1) ?? '' });
    } else if (instruction === 'CMD' || instruction === 'HEALTHCHECK') {
      const json = instruction === 'CMD' ? rest : /\bCMD\s+(\[.*\])\s*$/.exec(rest)?.[1];
      if (!json?.startsWith('[')) throw new Error(`Dockerfile: ${instruction} must use the JSON (exec) form`);
      const command = JSON.parse(json) as string[];
      steps.push(instruction === 'CMD' ? { kind: 'cmd', command } : { kind: 'healthcheck', command });
    } else steps.push({ kind: 'other', instruction, args: rest });
  }
  return stages;
}

/**
 * Which paths of a build context `.dockerignore` leaves out: its patterns (`*`, `**`, `?`; no `!` exceptions) match
 * a path relative to the context, or any folder above it.
 */
export function dockerIgnored(patterns: string[]): (path: string) => boolean {
  const regexes = patterns
    .map((p) => p.trim())
    .filter((p) => p && !p.startsWith('#'))
    .map((p) => {
      if (p.startsWith('!')) throw new Error(`.dockerignore: exceptions (${p}) are not supported here`);
      const source = p
        .replace(/^\/+|\/+$/g, '')
        .split('**')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('.*');
      return new RegExp(`^${source}(/|$)`);
    });
  return (path) => regexes.some((r) => r.test(path));
}
