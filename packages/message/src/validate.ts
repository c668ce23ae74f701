// Validation of a decoded notice (either wire format): mandatory fields, types, times, identity methods.

import { MalformedMessageError } from '@sarra/common';
import type { IdentityMethod, Notice } from './notice.js';
import { msFromTimestamp } from './timestamp.js';

/** Identity methods a notice may carry (v03 names). */
export const IDENTITY_METHODS: ReadonlySet<IdentityMethod> = new Set<IdentityMethod>([
  'sha512', 'md5', 'md5name', 'cod', 'random', 'arbitrary',
]);

const FILEOP_KEYS = ['link', 'hlink', 'remove', 'rename', 'directory'] as const;
const STRING_FIELDS = ['source', 'from_cluster', 'to_clusters', 'contentType', 'mode', 'rename', 'retrievePath'] as const;

function bad(reason: string): never {
  throw new MalformedMessageError(reason);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function noNul(field: string, v: string): void {
  if (v.indexOf('\0') >= 0) bad(`${field} contains a NUL byte`);
}

function mandatory(o: Record<string, unknown>, field: string): string {
  const v = o[field];
  if (v === undefined) bad(`missing ${field}`);
  if (typeof v !== 'string') bad(`${field} is not a string (${v === null ? 'null' : typeof v})`);
  if (v.length === 0) bad(`${field} is empty`);
  return v;
}

function time(o: Record<string, unknown>, field: string): void {
  const v = o[field];
  if (v === undefined) return;
  if (typeof v !== 'string') bad(`${field} is not a string (${v === null ? 'null' : typeof v})`);
  try {
    msFromTimestamp(v);
  } catch (e: unknown) {
    bad(`${field}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Checks a v03-shaped object in place and returns it typed as a Notice.
 * @throws MalformedMessageError with a reason naming the field.
 */
export function validateNotice(o: Record<string, unknown>): Notice {
  if (Object.hasOwn(o, '__proto__')) bad('forbidden field __proto__');
  const pubTime = mandatory(o, 'pubTime');
  const baseUrl = mandatory(o, 'baseUrl');
  const relPath = mandatory(o, 'relPath');
  noNul('baseUrl', baseUrl);
  noNul('relPath', relPath);
  try {
    msFromTimestamp(pubTime);
  } catch (e: unknown) {
    bad(`pubTime: ${e instanceof Error ? e.message : String(e)}`);
  }
  time(o, 'mtime');
  time(o, 'atime');
  for (const f of STRING_FIELDS) {
    const v = o[f];
    if (v !== undefined && typeof v !== 'string') bad(`${f} is not a string (${v === null ? 'null' : typeof v})`);
  }
  if (typeof o.retrievePath === 'string') noNul('retrievePath', o.retrievePath);
  if (typeof o.rename === 'string') noNul('rename', o.rename);
  const size = o.size;
  if (size !== undefined && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) {
    bad(`size is not a non-negative integer: ${JSON.stringify(size)}`);
  }
  const id = o.identity;
  if (id !== undefined) {
    if (!isObject(id) || typeof id.method !== 'string' || typeof id.value !== 'string') {
      bad('identity is not {method, value} strings');
    }
    if (!IDENTITY_METHODS.has(id.method as IdentityMethod)) bad(`unknown identity method ${JSON.stringify(id.method)}`);
  }
  const op = o.fileOp;
  if (op !== undefined) {
    if (!isObject(op)) bad('fileOp is not an object');
    for (const k of FILEOP_KEYS) {
      const v = op[k];
      if (v === undefined) continue;
      if (typeof v !== 'string') bad(`fileOp.${k} is not a string`);
      noNul(`fileOp.${k}`, v);
    }
  }
  const content = o.content;
  if (content !== undefined && (!isObject(content) || typeof content.encoding !== 'string' || typeof content.value !== 'string')) {
    bad('content is not {encoding, value} strings');
  }
  const report = o.report;
  if (report !== undefined && (!isObject(report) || typeof report.code !== 'number')) {
    bad('report is not {code, timeCompleted, message} with a numeric code');
  }
  return o as Notice;
}

/** Renames sr3's old field names (integrity -> identity, retPath -> retrievePath) keeping key order. */
export function renameOldFields(o: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(o, 'integrity') && !Object.hasOwn(o, 'retPath')) return o;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    const nk = k === 'integrity' ? 'identity' : k === 'retPath' ? 'retrievePath' : k;
    if (k === '__proto__') bad('forbidden field __proto__');
    // the new name wins when a message carries both
    if (nk !== k && Object.hasOwn(o, nk)) continue;
    out[nk] = o[k];
  }
  return out;
}
