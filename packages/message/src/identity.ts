// Identity (checksum) computation: streaming hashers per sr3 method, hex <-> base64, whole-file identity.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { SarraError } from '@sarra/common';
import type { Identity, IdentityMethod } from './notice.js';

/** A streaming checksum. `value()` returns the base64 digest (v03 form); call it once, after the last update. */
export interface Hasher {
  update(chunk: Buffer): void;
  value(): string;
}

/** Options for createHasher beyond the contract. */
export interface HasherOptions {
  /** The value an `arbitrary` hasher returns (sr3's `identity_arbitrary_value`). */
  arbitraryValue?: string;
}

class DigestHasher implements Hasher {
  private readonly h;
  constructor(algo: 'sha512' | 'md5') {
    this.h = createHash(algo);
  }
  update(chunk: Buffer): void {
    this.h.update(chunk);
  }
  value(): string {
    return this.h.digest('base64');
  }
}

class FixedHasher implements Hasher {
  constructor(private readonly v: string) {}
  update(): void {}
  value(): string {
    return this.v;
  }
}

/**
 * A hasher for an sr3 identity method.
 * - sha512, md5: digest of the data.
 * - md5name: md5 of the file name (last component of `relPathOrName`); data is ignored.
 * - random: a random value (base64 of 8 random bytes); data is ignored.
 * - arbitrary: returns `opts.arbitraryValue` (required).
 * @throws SarraError ERR_IDENTITY for `cod` (its value names an algorithm to run on download, it is not
 *   a hasher) and for md5name / arbitrary without the name / value they need.
 */
export function createHasher(method: IdentityMethod, relPathOrName?: string, opts?: HasherOptions): Hasher {
  switch (method) {
    case 'sha512':
    case 'md5':
      return new DigestHasher(method);
    case 'md5name': {
      if (relPathOrName === undefined) throw new SarraError('ERR_IDENTITY', 'md5name needs the file name');
      const name = relPathOrName.slice(relPathOrName.lastIndexOf('/') + 1);
      return new FixedHasher(createHash('md5').update(name, 'utf8').digest('base64'));
    }
    case 'random':
      return new FixedHasher(randomBytes(8).toString('base64'));
    case 'arbitrary': {
      // never fall back to relPathOrName: a generic caller passing the path would announce it as the value
      const v = opts?.arbitraryValue;
      if (v === undefined) throw new SarraError('ERR_IDENTITY', 'arbitrary identity needs a value (identity_arbitrary_value)');
      return new FixedHasher(v);
    }
    case 'cod':
      throw new SarraError('ERR_IDENTITY', 'cod is not a hasher: its value names the algorithm to compute on download');
    default:
      throw new SarraError('ERR_IDENTITY', `unknown identity method ${JSON.stringify(method as string)}`);
  }
}

/** True for methods whose value depends on file content (worth re-checking after a download). */
export function hashesContent(method: string): boolean {
  return method === 'sha512' || method === 'md5';
}

/**
 * The identity of a file, read as a stream (constant memory). md5name hashes the file's base name;
 * random/arbitrary do not read the file (arbitrary takes `opts.arbitraryValue`).
 * @throws the fs error (ENOENT, EACCES, ...) or SarraError ERR_IDENTITY as createHasher.
 */
export async function identityOfFile(path: string, method: IdentityMethod, opts?: HasherOptions): Promise<Identity> {
  const hasher = createHasher(method, method === 'md5name' ? basename(path) : undefined, opts);
  if (hashesContent(method)) {
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of stream) hasher.update(chunk as Buffer);
  }
  return { method, value: hasher.value() };
}

/** Hex digest (v02 `sum` form) -> base64 (v03 form). */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64');
}

/** Base64 digest (v03 form) -> lowercase hex (v02 `sum` form). */
export function base64ToHex(b64: string): string {
  return Buffer.from(b64, 'base64').toString('hex');
}

/** sha512 hex of a string: v02 puts it in `sum` for links (of the target) and directory/remove ops (of the name). */
export function sha512Hex(s: string): string {
  return createHash('sha512').update(s, 'utf8').digest('hex');
}
