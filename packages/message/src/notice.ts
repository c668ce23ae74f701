// The Notice model: a v03-shaped announcement of one file or file operation.

/** Checksum methods (v03 names). `value` is base64 in v03 and in memory; hex in v02 `sum`. */
export type IdentityMethod = 'sha512' | 'md5' | 'md5name' | 'cod' | 'random' | 'arbitrary';

export interface Identity {
  method: IdentityMethod;
  /** base64 digest; for `cod`, the name of the algorithm to compute on download (e.g. `sha512`). */
  value: string;
}

/** File operations; exactly the keys present apply (`{directory:'', remove:''}` = rmdir). */
export interface FileOp {
  link?: string;
  hlink?: string;
  remove?: string;
  rename?: string;
  directory?: string;
}

export interface Content {
  encoding: 'utf-8' | 'base64' | 'iso-8859-1';
  value: string;
}

export interface Report {
  code: number;
  timeCompleted: string;
  message: string;
}

/**
 * One announcement as carried in a v03 body. Unknown fields are kept and forwarded untouched.
 * Times are sr3 timestamps (`YYYYMMDDTHHMMSS.fraction`, UTC).
 */
export interface Notice {
  pubTime: string;
  baseUrl: string;
  relPath: string;
  identity?: Identity;
  fileOp?: FileOp;
  size?: number;
  mtime?: string;
  atime?: string;
  /** octal string, e.g. "644" */
  mode?: string;
  source?: string;
  from_cluster?: string;
  to_clusters?: string;
  content?: Content;
  contentType?: string;
  rename?: string;
  retrievePath?: string;
  report?: Report;
  [field: string]: unknown;
}

/** Message formats on the wire (wis: WIS2 notification messages, GeoJSON). */
export type Format = 'v02' | 'v03' | 'wis';
