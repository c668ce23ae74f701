// WIS2 notification messages (WNM, GeoJSON Feature, application/geo+json) <-> v03-shaped notices, as sr3's postformat/wis does.

import { randomUUID } from 'node:crypto';
import { MalformedMessageError } from '@sarra/common';
import { locate } from './errors.js';
import type { Notice } from './notice.js';
import { pyDumps } from './pyjson.js';
import { renameOldFields, validateNotice } from './validate.js';

/** The MQTT 5 / AMQP content type of a WIS2 notification message. */
export const WIS_CONTENT_TYPE = 'application/geo+json';

/** Notice fields that never become WNM properties (sr3's list, plus those the Feature carries elsewhere). */
const NOT_PROPERTIES = new Set([
  'contentType', 'geometry', 'properties', 'size', 'baseUrl', 'relPath', 'retrievePath', 'subtopic', 'pubTime',
  'to_clusters', 'from_cluster', 'filename', 'sundew_extension', 'mtime', 'atime', 'mode', 'topic', 'id', 'links',
]);

/** Notice fields a decoded WNM takes from its topic, pubtime, links or geometry, never from a property of the same name. */
const FROM_ELSEWHERE = new Set(['pubtime', 'pubTime', 'baseUrl', 'relPath', 'retrievePath', 'size', 'contentType', 'links', 'id', 'geometry']);

/** Identity methods WNM's integrity names (schema enum sha256/sha512/arbitrary/md5, those a notice can carry). */
const INTEGRITY_METHODS = new Set(['sha512', 'md5', 'arbitrary']);

/**
 * WNM integrity methods no notice identity has (sarra-ts and sr3 checksum sha512, md5, arbitrary...): such an
 * integrity travels on under `properties` (a wis re-post writes it back), and the download is not checked against it.
 */
const WNM_ONLY_METHODS = new Set(['sha256', 'sha384', 'sha3-256', 'sha3-384', 'sha3-512']);

/** RFC 3339 in UTC, as WNM demands and sr3 slices: `YYYY-MM-DDTHH:MM:SS[.fraction]Z`. */
const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z$/;

function bad(reason: string): never {
  throw new MalformedMessageError(reason);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `2024-01-02T03:04:05.5Z` -> `20240102T030405.5`. @throws MalformedMessageError when not RFC 3339 UTC. */
function fromRfc3339(field: string, t: unknown): string {
  if (typeof t !== 'string') bad(`${field} is not a string (${t === null ? 'null' : typeof t})`);
  const m = RFC3339_UTC.exec(t);
  if (!m) bad(`${field} ${JSON.stringify(t.slice(0, 40))} is not RFC 3339 UTC (YYYY-MM-DDTHH:MM:SS[.f]Z)`);
  return `${m[1]}${m[2]}${m[3]}T${m[4]}${m[5]}${m[6]}${m[7] ?? ''}`;
}

/** `20240102T030405.5` -> `2024-01-02T03:04:05.5Z` (sr3's slicing of a v03 timestamp). */
function toRfc3339(t: string): string {
  return `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 11)}:${t.slice(11, 13)}:${t.slice(13)}Z`;
}

/** The canonical link: the first with rel 'canonical', else the first (sr3 reads links[0]). */
function canonicalLink(links: unknown): Record<string, unknown> {
  if (!Array.isArray(links) || links.length === 0) bad('links is not a non-empty array');
  for (const l of links) if (!isObject(l)) bad('links has an entry that is not an object');
  const all = links as Record<string, unknown>[];
  return all.find((l) => l.rel === 'canonical') ?? all[0]!;
}

/** baseUrl (`scheme://authority`) and retrievePath (the rest, from its `/`) of a link's href. */
function splitHref(href: unknown): { baseUrl: string; retrievePath: string } {
  if (typeof href !== 'string' || href === '') bad('links href is not a non-empty string');
  if (href.indexOf('\0') >= 0) bad('links href contains a NUL byte');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]+)(\/[^#]*)$/.exec(href);
  if (!m) bad(`links href ${JSON.stringify(href.slice(0, 120))} is not scheme://host/path`);
  try {
    new URL(href);
  } catch {
    bad(`links href ${JSON.stringify(href.slice(0, 120))} is not a URL`);
  }
  return { baseUrl: m[1]!, retrievePath: m[2]! };
}

/**
 * A WNM object (parsed body) as a notice. relPath = `topic` (`/`-separated: the whole MQTT topic, or the AMQP
 * routing key with its '.' read as '/') + '/' + properties.data_id, as sr3 rebuilds it; pubTime from properties.pubtime; every other property kept as a
 * field (integrity -> identity); geometry kept unless null; `id` and `links` kept so a wis re-post keeps them;
 * baseUrl and retrievePath from the canonical link's href, size from its length, contentType from its type.
 * @throws MalformedMessageError (a MalformedNoticeError once relPath is known) naming the field at fault.
 */
export function decodeWis(o: Record<string, unknown>, topic: string): Notice {
  if (o.type !== 'Feature') bad(`WIS type is ${JSON.stringify(o.type)}, not "Feature"`);
  const props = o.properties;
  if (!isObject(props)) bad('WIS properties is not an object');
  if (Object.hasOwn(props, '__proto__')) bad('forbidden property __proto__');
  const dataId = props.data_id;
  if (typeof dataId !== 'string' || dataId === '') bad('WIS properties.data_id is not a non-empty string');
  if (dataId.indexOf('\0') >= 0) bad('WIS properties.data_id contains a NUL byte');
  const n: Record<string, unknown> = { pubTime: '', baseUrl: '', relPath: `${topic}/${dataId}` };
  try {
    n.pubTime = fromRfc3339('properties.pubtime', props.pubtime);
    for (const k of Object.keys(props)) if (!FROM_ELSEWHERE.has(k)) n[k] = props[k];
    const integrity = n.integrity;
    if (isObject(integrity) && typeof integrity.method === 'string' && WNM_ONLY_METHODS.has(integrity.method)) {
      delete n.integrity;
      n.properties = { ...(isObject(n.properties) ? n.properties : {}), integrity };
    }
    for (const k of ['datetime', 'start_datetime', 'end_datetime']) if (props[k] !== undefined) fromRfc3339(`properties.${k}`, props[k]);
    const geometry = o.geometry;
    if (geometry !== undefined && geometry !== null && !isObject(geometry)) bad('WIS geometry is neither null nor an object');
    if (isObject(geometry)) n.geometry = geometry;
    if (o.id !== undefined) {
      if (typeof o.id !== 'string' || o.id === '') bad('WIS id is not a non-empty string');
      n.id = o.id;
    }
    const link = canonicalLink(o.links);
    const { baseUrl, retrievePath } = splitHref(link.href);
    n.baseUrl = baseUrl;
    n.retrievePath = retrievePath;
    if (link.length !== undefined) {
      if (!(typeof link.length === 'number' && Number.isSafeInteger(link.length) && link.length >= 0)) {
        bad(`links length is not a non-negative integer: ${JSON.stringify(link.length)}`);
      }
      n.size = link.length;
    }
    if (link.type !== undefined) {
      if (typeof link.type !== 'string') bad('links type is not a string');
      n.contentType = link.type;
    }
    n.links = o.links;
    return validateNotice(renameOldFields(n));
  } catch (e: unknown) {
    throw locate(e, n);
  }
}

/**
 * The WIS2 topic of a notice (AMQP '.' separators): for one that came as WIS (relPath = topic/data_id),
 * the topic it came on; else `topicPrefix` as it is (a WIS2 topic names a dataset, not directories).
 */
export function wisTopic(n: Notice, topicPrefix: string): string {
  const id = n.data_id;
  if (typeof id === 'string' && id !== '' && n.relPath.length > id.length + 1 && n.relPath.endsWith('/' + id)) {
    return n.relPath.slice(0, n.relPath.length - id.length - 1).replaceAll('/', '.');
  }
  return topicPrefix;
}

/**
 * The WNM body of a notice, as sr3 writes it (Python json.dumps, keys: type, geometry, properties,
 * version 'v04', id, links). properties: the notice's own `properties`, data_id (default relPath without a
 * leading '/'), every field not carried elsewhere (identity as integrity when WNM names its method),
 * datetime from mtime when no time of the data is given, and pubtime last. links: the canonical one built
 * from baseUrl + retrievePath/relPath with length = size and type = contentType, then the notice's other links.
 * @throws MalformedMessageError when the notice has no size (sr3 requires links[0].length).
 */
export function encodeWis(n: Notice): Buffer {
  if (typeof n.size !== 'number') bad('cannot post as wis without a size (WIS2 links[0].length is required)');
  const props: Record<string, unknown> = isObject(n.properties) ? { ...n.properties } : {};
  if (typeof n.data_id !== 'string') props.data_id = n.relPath.replace(/^\/+/, '');
  for (const k of Object.keys(n)) {
    const v = n[k];
    if (v === undefined || NOT_PROPERTIES.has(k)) continue;
    if (k === 'identity' && n.identity && INTEGRITY_METHODS.has(n.identity.method)) props.integrity = v;
    else props[k] = v;
  }
  if (props.datetime === undefined && props.start_datetime === undefined && typeof n.mtime === 'string') {
    props.datetime = toRfc3339(n.mtime);
  }
  if (isObject(props.content) && props.content.size === undefined) props.content = { ...props.content, size: n.size };
  delete props.pubtime;
  props.pubtime = toRfc3339(n.pubTime);
  const path = typeof n.retrievePath === 'string' && n.retrievePath !== '' ? n.retrievePath : n.relPath;
  const canonical: Record<string, unknown> = {
    rel: 'canonical',
    href: n.baseUrl.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, ''),
    length: n.size,
  };
  if (typeof n.contentType === 'string') canonical.type = n.contentType;
  const others = Array.isArray(n.links) ? n.links.filter((l) => isObject(l) && l.rel !== 'canonical') : [];
  const body = {
    type: 'Feature',
    geometry: isObject(n.geometry) ? n.geometry : null,
    properties: props,
    version: 'v04',
    id: typeof n.id === 'string' && n.id !== '' ? n.id : randomUUID(),
    links: [canonical, ...others],
  };
  return Buffer.from(pyDumps(body), 'latin1');
}
