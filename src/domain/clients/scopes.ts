/**
 * The scopes of API clients (issue 14; RFC 6749 §3.3): a fixed list, each naming what it allows. A client holds a
 * set of them; a token holds a subset of its client's set, and a request to the API needs the scope of its route
 * (RFC 6750 §3.1 `insufficient_scope` otherwise). Stored as text: the names separated by single spaces, in the
 * order of {@link SCOPES} (as the `scope` parameter of RFC 6749 §3.3 writes them).
 */
import { InvalidInputError } from '../errors.js';
import { truncateGraphemes } from '../graphemes.js';

/** Every scope with its one-line description, in display order. */
export const SCOPE_DESCRIPTIONS = {
  'organization:read': "Read the organization's name and counts (GET /api/v1/organization)",
  'members:read': 'List members: ID, email, role, Slack user ID (GET /api/v1/members)',
  'data-sources:read': 'List and read data sources',
  'data-sources:write': 'Create and delete data sources',
  'data-layers:read': 'List and read data layers',
  'data-layers:write': 'Create and delete data layers',
  'audit:read': 'Read the audit trail (GET /api/v1/audit-events)',
} as const;

/** A scope name. */
export type Scope = keyof typeof SCOPE_DESCRIPTIONS;

/** Every scope, in the canonical order. */
export const SCOPES = Object.keys(SCOPE_DESCRIPTIONS) as readonly Scope[];

/** The read scopes. */
export const READ_SCOPES: readonly Scope[] = SCOPES.filter((s) => s.endsWith(':read'));

/**
 * The scopes of a new client unless the admin chooses others: the read scopes but `audit:read`. The audit trail
 * names every member's and invitee's email and every change: a security tool is given it on purpose, not an
 * integration that only reads the organization's data.
 */
export const DEFAULT_SCOPES: readonly Scope[] = READ_SCOPES.filter((s) => s !== 'audit:read');

/** Whether `name` is a scope of {@link SCOPES}. */
export function isScope(name: string): name is Scope {
  return Object.hasOwn(SCOPE_DESCRIPTIONS, name);
}

/** `scopes` without repeats, in the canonical order of {@link SCOPES}. */
export function sortScopes(scopes: Iterable<Scope>): Scope[] {
  const set = new Set(scopes);
  return SCOPES.filter((s) => set.has(s));
}

/** The stored form: canonical order, separated by single spaces (empty text for no scope). */
export function formatScopes(scopes: Iterable<Scope>): string {
  return sortScopes(scopes).join(' ');
}

/** Every scope, in the stored form: what clients and tokens made before scopes existed were given. */
export const ALL_SCOPES_TEXT = formatScopes(SCOPES);

/**
 * Reads the stored form. Names no longer in {@link SCOPES} are dropped (they grant nothing).
 * @param text names separated by spaces
 */
export function parseStoredScopes(text: string): Scope[] {
  return sortScopes(text.split(' ').filter(isScope));
}

/** The scopes of `a` also in `b`, in canonical order. */
export function intersectScopes(a: Iterable<Scope>, b: Iterable<Scope>): Scope[] {
  const inB = new Set(b);
  return sortScopes([...a].filter((s) => inB.has(s)));
}

/**
 * Reads a list of scope names chosen by a person (`--scopes a,b`, a checkbox group, the API): each name once or
 * more (repeats are ignored), at least one.
 * @param names the names, already split
 * @returns the set, in canonical order
 * @throws InvalidInputError `scopes_unknown` (field `scopes`, parameters `unknown`: the refused names joined by
 *   ", ", and `known`) when a name is not a scope; `scopes_empty` when there is none
 */
export function parseScopeNames(names: readonly string[]): Scope[] {
  const trimmed = names.map((n) => n.trim()).filter((n) => n !== '');
  const unknown = [...new Set(trimmed.filter((n) => !isScope(n)))];
  if (unknown.length > 0) {
    throw new InvalidInputError(
      'scopes_unknown',
      { unknown: unknown.map((n) => truncateGraphemes(n, 40)).join(', '), known: SCOPES.join(', ') },
      'scopes',
    );
  }
  if (trimmed.length === 0)
    throw new InvalidInputError('scopes_empty', { known: SCOPES.join(', ') }, 'scopes');
  return sortScopes(trimmed.filter(isScope));
}
