/**
 * One Bolt listener per payload kind, dispatching by id.
 *
 * Bolt runs the middleware chain of every registered listener for every payload it receives (`App#processEvent`
 * maps over all listeners, and each chain builds its own argument objects and promises before its first
 * middleware, `onlyActions` or `onlyCommands`, turns the payload away). With a listener per action id, a slash
 * command paid for some thirty chains it never used: measured, it halved the throughput of an acknowledgement. So
 * each kind registers one listener whose constraint matches exactly the ids of its table, and the table picks the
 * handler.
 */

/** Escapes the characters that have a meaning in a regular expression. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * A regular expression that matches exactly one of `ids`, whole (anchored), and nothing else.
 * @throws Error when `ids` is empty (the pattern would match nothing, and a listener with it would be dead code)
 */
export function exactIdPattern(ids: readonly string[]): RegExp {
  if (ids.length === 0) throw new Error('exactIdPattern needs at least one id');
  return new RegExp(`^(?:${ids.map(escapeRegExp).join('|')})$`);
}

/**
 * Looks up the handler of `id` in `table`, own properties only (an id such as `constructor` or `__proto__` from a
 * forged payload finds nothing).
 */
export function handlerFor<H>(table: Readonly<Record<string, H>>, id: string | undefined): H | undefined {
  return id !== undefined && Object.hasOwn(table, id) ? table[id] : undefined;
}
