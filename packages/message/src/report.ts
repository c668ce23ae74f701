// sr3 report codes (COMPAT section 5): the HTTP-like numbers put in `report.code` and rejection counts.

/** Report codes by name. Rejections set these codes even when reports are not published. */
export const REPORT = {
  /** downloaded / published / copied / linked */
  ok: 201,
  /** mkdir skipped: directory exists */
  mkdirSkipped: 202,
  /** transformed during download */
  transformed: 203,
  /** checksum recalculated on receipt */
  recalculated: 205,
  /** partial content inserted */
  partial: 206,
  /** not modified: duplicate, checksum the same */
  duplicate: 304,
  /** insertion deferred (part file) */
  deferred: 307,
  /** notice_verify: signature missing, forged or not trusted (sarra-ts; not in sr3's table) */
  forbidden: 403,
  /** no accept/reject pattern matched; a local file to send is missing; a hook rejected without a code */
  noMatch: 404,
  /** file older than fileAgeMax */
  tooOld: 406,
  /** file too old */
  gone: 410,
  /** file bigger than fileSizeMax (sr3's "Payload Too Large") */
  tooBig: 413,
  /** inlineOnly: the notice carries data but not inline */
  notInline: 415,
  /** invalid (malformed) message; a notice that can never be published */
  invalid: 417,
  /** cannot determine the destination path */
  noDest: 422,
  /** file younger than fileAgeMin */
  tooYoung: 425,
  /** send failed (docs) */
  sendFailed: 496,
  /** send failed, other (docs) */
  sendFailed2: 497,
  /** transfer failed (sftp/ftp/http); a download or send plugin refused */
  failed: 499,
  /** service unavailable / unsupported */
  unavailable: 503,
  /** message too old (messageAgeMax) */
  msgTooOld: 504,
} as const satisfies { [name: string]: number };

/** Names of the report codes. */
export type ReportName = keyof typeof REPORT;

const TEXT: Record<number, string> = {
  201: 'Download successful',
  202: 'mkdir skipped: directory exists',
  203: 'transformed during download',
  205: 'checksum recalculated on receipt',
  206: 'partial content inserted',
  304: 'not modified (duplicate)',
  307: 'insertion deferred',
  403: 'notice signature refused',
  404: 'no pattern match',
  406: 'older than fileAgeMax',
  410: 'file too old',
  413: 'file too big',
  415: 'data not inline',
  417: 'invalid message',
  422: 'cannot determine destination path',
  425: 'younger than fileAgeMin',
  496: 'send failed',
  497: 'send failed',
  499: 'transfer failed',
  503: 'service unavailable',
  504: 'message too old',
};

/** Short names of the codes a rejection may carry: the keys of `totals.rejectedByReason` (`<code> <name>`). */
const SHORT: Record<number, string> = {
  304: 'duplicate', 404: 'no match', 406: 'too old', 410: 'too old', 413: 'too big',
  415: 'not inline', 417: 'malformed', 422: 'no destination', 425: 'too young', 499: 'failed', 503: 'unavailable', 504: 'message too old',
};

/** The short name of a rejection code (`422` -> `no destination`); undefined for a code without one. */
export function reportShortName(code: number): string | undefined {
  return SHORT[code];
}

/** A short English description of a report code (for `report.message` and logs). */
export function reportText(code: number): string {
  return TEXT[code] ?? `code ${code}`;
}
