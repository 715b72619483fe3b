import { EventdbError } from '../errors.js';

/**
 * Every name read from a store or a manifest (object names, snapshot ids, the folder part of a listed
 * key) is untrusted: a bucket writer chooses it. Before such a name becomes part of a local path or a
 * store key it must pass here: one path segment of `A-Z a-z 0-9 . _ -`, not `.` or `..`, at most 200
 * characters. Anything else (`..`, `/`, `\`, control characters, empty) is refused.
 */
const SEGMENT = /^[A-Za-z0-9._-]{1,200}$/;

export function isSafeName(name: unknown): boolean {
  return typeof name === 'string' && SEGMENT.test(name) && name !== '.' && name !== '..';
}

/** Throws CORRUPT_SNAPSHOT (the store holds something eventdb never writes) unless `name` is a safe segment. */
export function checkStoreName(name: unknown, what: string): string {
  if (isSafeName(name)) return name as string;
  throw new EventdbError('CORRUPT_SNAPSHOT', `${what} ${describeName(name)} is not a valid name (one path segment of letters, digits, '.', '_', '-')`, 'the store holds something eventdb did not write; use another snapshot and check who can write to the store');
}

/** A name shown in a message: JSON-quoted (control and bidi characters escaped) and cut short. */
export function describeName(name: unknown): string {
  const text = typeof name === 'string' ? name : String(JSON.stringify(name) ?? typeof name);
  const cut = text.length > 60 ? `${text.slice(0, 60)}…` : text;
  // JSON escapes C0 controls; DEL, C1 and the bidi controls are escaped the same way.
  return JSON.stringify(cut).replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The store folder for a database or environment name: an injective escaping, so two names never
 * share a folder (`sec x` → `sec%20x`, `sec_x` → `sec_x`). Letters, digits, `.`, `_` and `-` stay as
 * they are (folders written before this escaping keep their names); every other byte of the UTF-8
 * text becomes `%XX`; `.`/`..` and the empty name are escaped so no folder name is special.
 */
export function folderName(name: string): string {
  if (name === '') return '%00';
  if (name === '.' || name === '..') return name.replace(/\./g, '%2E');
  let out = '';
  for (const b of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The folder name eventdb used before `folderName` (not injective); read for old snapshots only. */
export function legacyFolderName(name: string, fallback: string): string {
  return (name || fallback).replace(/[^A-Za-z0-9._-]+/g, '_');
}

/** Control characters (C0, DEL, C1) — never allowed in a tag, escaped wherever text reaches a terminal. */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Unicode bidirectional controls (ALM, LRM, RLM, the embeddings and overrides U+202A–U+202E, the
 * isolates U+2066–U+2069): they reorder what a terminal shows, so text can read as something else.
 * Never allowed in a tag; escaped wherever text reaches a terminal.
 */
export const BIDI_CHARS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** A tag from the command line or the admin API: printable text of at most 200 characters. */
export function checkTag(tag: unknown, where: string): string | undefined {
  if (tag === undefined || tag === null) return undefined;
  if (typeof tag !== 'string') throw new EventdbError('USAGE', `${where} must be a string`, 'e.g. "pre-deploy"');
  if (CONTROL_CHARS.test(tag) || BIDI_CHARS.test(tag)) throw new EventdbError('USAGE', `${where} ${describeName(tag)} contains control characters`, 'use printable text, e.g. "pre-deploy"');
  if (tag.length > 200) throw new EventdbError('USAGE', `${where} is longer than 200 characters`, 'use a short label, e.g. "pre-deploy"');
  return tag;
}
