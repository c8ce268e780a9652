/**
 * Child process of the benchmark: the round-robin proxy (test/support/round-robin-proxy.ts) in front of several app
 * instances, in a process of its own so that it does not share the load generator's thread. Prints `READY` once
 * listening; stops on SIGTERM.
 *
 * Environment: `UPSTREAMS` (base URLs, comma-separated), `PORT`.
 */
import { startRoundRobinProxy } from '../support/round-robin-proxy.js';

const upstreams = (process.env.UPSTREAMS ?? '').split(',').filter(Boolean);
const proxy = await startRoundRobinProxy(upstreams, { port: Number(process.env.PORT) });
process.stdout.write('READY\n');
process.once('SIGTERM', () => {
  void proxy.stop().then(() => process.exit(0));
});
