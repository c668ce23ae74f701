// fast-check generators of random but valid notices (shared by the round-trip property tests).

import fc from 'fast-check';
import type { FileOp, Identity, Notice } from '@sarra/message';

const CHARS = ['a', 'b', 'z', 'A', '0', '9', '-', '_', '.', ' ', '#', '*', '+', '~', '@', 'é', 'ü', '日', '本', '😀', '\u00a0'];
const char = fc.constantFrom(...CHARS);
/** one path component: spaces, '#', dots, unicode (no '/', no '%': v02 reserves %20/%23) */
const segment = fc.string({ unit: char, minLength: 1, maxLength: 8 });
const relPath = fc
  .tuple(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 5 }))
  .map(([lead, segs]) => (lead ? '/' : '') + segs.join('/'));

const b64 = (n: number) => fc.uint8Array({ minLength: n, maxLength: n }).map((a) => Buffer.from(a).toString('base64'));
const identity: fc.Arbitrary<Identity> = fc.oneof(
  b64(64).map((value) => ({ method: 'sha512' as const, value })),
  b64(16).map((value) => ({ method: 'md5' as const, value })),
  b64(16).map((value) => ({ method: 'md5name' as const, value })),
  b64(8).map((value) => ({ method: 'random' as const, value })),
  fc.string({ unit: 'binary', minLength: 0, maxLength: 30 }).map((value) => ({ method: 'arbitrary' as const, value })),
  fc.constantFrom('sha512', 'md5').map((value) => ({ method: 'cod' as const, value })),
);

/** sr3 timestamps in v03 form with 0-20 fraction digits (real sr3 writes up to 12), or none at all */
const time = fc
  .tuple(fc.integer({ min: Date.UTC(1990, 0, 1), max: Date.UTC(2090, 0, 1) }), fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), maxLength: 20 })))
  .map(([ms, frac]) => new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '') + (frac === null ? '' : '.' + frac));

/** file operations paired with whether v02 can also carry an identity next to them */
const fileOp: fc.Arbitrary<{ op?: FileOp; withId: boolean }> = fc.oneof(
  fc.constant({ withId: true }),
  relPath.map((link) => ({ op: { link }, withId: false })),
  fc.constant({ op: { remove: '' }, withId: false }),
  fc.constant({ op: { directory: '' }, withId: false }),
  fc.constant({ op: { directory: '', remove: '' }, withId: false }),
  relPath.map((rename) => ({ op: { rename }, withId: true })),
  relPath.map((hlink) => ({ op: { hlink }, withId: true })),
);

const short = fc.string({ unit: 'binary', maxLength: 30 });
const extraKey = fc.string({ unit: fc.constantFrom(...'abcxyz_0'), minLength: 1, maxLength: 8 }).map((k) => 'x_' + k);
const extraValue = fc.oneof(short, fc.integer(), fc.boolean());

/** A random valid notice whose every field both v03 and v02 can carry. */
export const notice: fc.Arbitrary<Notice> = fc
  .record({
    pubTime: time,
    baseUrl: fc.constantFrom('http://127.0.0.1:8090/', 'sftp://user@host/', 'https://hpfx.collab.science.gc.ca', 'file:'),
    relPath,
    fo: fileOp,
    identity: fc.option(identity),
    size: fc.option(fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER))),
    mtime: fc.option(time),
    atime: fc.option(time),
    mode: fc.option(fc.constantFrom('644', '755', '0600')),
    source: fc.option(short),
    to_clusters: fc.option(fc.constantFrom('ALL', 'DDSR.CMC,DDI.EDM')),
    content: fc.option(fc.record({ encoding: fc.constantFrom('utf-8' as const, 'base64' as const), value: short }).map((c) => ({ ...c }))),
    contentType: fc.option(fc.constantFrom('text/plain', 'application/octet-stream')),
    extra: fc.dictionary(extraKey, extraValue, { maxKeys: 4 }),
  })
  .map((r) => {
    const n: Notice = { pubTime: r.pubTime, baseUrl: r.baseUrl, relPath: r.relPath };
    if (r.fo.op) n.fileOp = r.fo.op;
    if (r.identity && r.fo.withId) n.identity = r.identity;
    for (const k of ['size', 'mtime', 'atime', 'mode', 'source', 'to_clusters', 'content', 'contentType'] as const) {
      const v: unknown = r[k];
      if (v !== null) (n as Record<string, unknown>)[k] = v;
    }
    Object.assign(n, r.extra);
    return n;
  });

