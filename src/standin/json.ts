/** Small, total helpers for reading untyped JSON (payloads, form fields) without casts. */
import type { JsonObject } from './types.js';

/** True for a plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as a string, or undefined when it is not a non-empty string. */
export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The value as a number when it is a finite number or a decimal string; otherwise undefined. */
export function numberOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)))
    return Number(value);
  return undefined;
}

/** Slack's boolean arguments arrive as `true`, `'true'` or `'1'` (form-encoded). */
export function isTruthyFlag(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

/** The array's elements that are JSON objects. */
export function objectsOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isJsonObject) : [];
}

/** A nested field `obj[key]` when it is a JSON object. */
export function objectAt(obj: JsonObject, key: string): JsonObject | undefined {
  const value = obj[key];
  return isJsonObject(value) ? value : undefined;
}

/** `obj[key]` when it is a string. */
export function stringAt(obj: JsonObject, key: string): string | undefined {
  const value = obj[key];
  return typeof value === 'string' ? value : undefined;
}

/** The text of a Slack text object (`{ type: 'plain_text' | 'mrkdwn', text }`), or '' when absent. */
export function textOf(value: unknown): string {
  return isJsonObject(value) && typeof value.text === 'string' ? value.text : '';
}

/** JSON.parse that answers undefined instead of throwing. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A deep copy of JSON data, so recordings are not changed by later mutation of the app's objects. */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}
