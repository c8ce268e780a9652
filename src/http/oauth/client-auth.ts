import type { IncomingMessage } from 'node:http';
import { truncateGraphemes } from '../../domain/graphemes.js';

/** Client credentials found in a token or revocation request (RFC 6749 §2.3.1). */
export type PresentedCredentials =
  | { method: 'client_secret_basic' | 'client_secret_post'; clientId: string; clientSecret: string }
  | { method: 'none'; clientId?: string };

/** A request that breaks the rules of client authentication (answered with `invalid_request`). */
export class CredentialsError extends Error {}

/** The parameters of a form-encoded request; each appears at most once (RFC 6749 §3.2). */
export type FormParams = Map<string, string>;

/**
 * Parses an `application/x-www-form-urlencoded` body. Parameters sent without a value are treated as omitted
 * (RFC 6749 §3.1, §3.2).
 * @throws CredentialsError when a parameter appears more than once ("MUST NOT be included more than once")
 */
export function parseForm(body: Buffer): FormParams {
  const params = new Map<string, string>();
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    if (seen.has(key)) throw new CredentialsError(`The parameter ${truncateGraphemes(key, 40)} is repeated.`);
    seen.add(key);
    if (value !== '') params.set(key, value);
  }
  return params;
}

/** Decodes one half of Basic credentials: they are form-urlencoded before base64 (RFC 6749 §2.3.1). */
function formDecode(text: string): string {
  // Client IDs and secrets are plain [0-9A-Za-z_]: nothing to decode, the common case.
  if (!/[%+]/.test(text)) return text;
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/**
 * Finds the client's credentials: HTTP Basic (`client_secret_basic`) or the `client_id` / `client_secret` form
 * parameters (`client_secret_post`). Using both at once is refused (RFC 6749 §2.3: "MUST NOT use more than one
 * authentication method in each request").
 * @throws CredentialsError for a malformed Basic header or two methods at once
 */
export function presentedCredentials(req: IncomingMessage, form: FormParams): PresentedCredentials {
  const header = req.headers.authorization;
  const formId = form.get('client_id');
  const formSecret = form.get('client_secret');
  if (header !== undefined) {
    const match = /^basic\s+([A-Za-z0-9+/=._~-]*)\s*$/i.exec(header);
    if (!match) {
      throw new CredentialsError(
        'The Authorization header must use the Basic scheme with client credentials.',
      );
    }
    const encoded = match[1] ?? '';
    // RFC 7617 §2: standard Base64 with padding; Node's decoder would skip stray characters instead of refusing them.
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(encoded)) {
      throw new CredentialsError('The Basic credentials are not valid Base64 (RFC 7617).');
    }
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new CredentialsError('The Basic credentials must be client_id:client_secret.');
    let clientId: string;
    let clientSecret: string;
    try {
      clientId = formDecode(decoded.slice(0, colon));
      clientSecret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw new CredentialsError('The Basic credentials are not correctly form-urlencoded.');
    }
    if (formSecret !== undefined) {
      throw new CredentialsError(
        'Use one client authentication method: HTTP Basic or form parameters, not both.',
      );
    }
    if (formId !== undefined && formId !== clientId) {
      throw new CredentialsError('The client_id parameter differs from the one in the Basic credentials.');
    }
    return { method: 'client_secret_basic', clientId, clientSecret };
  }
  if (formSecret !== undefined) {
    if (formId === undefined) throw new CredentialsError('client_secret was sent without client_id.');
    return { method: 'client_secret_post', clientId: formId, clientSecret: formSecret };
  }
  return formId === undefined ? { method: 'none' } : { method: 'none', clientId: formId };
}
