// sr3 report codes (COMPAT section 5): the HTTP-like numbers put in `report.code` and rejection counts.

/**
 * The one table of report codes: by name, the code, its description (`text`, for `report.message` and logs) and,
 * for a code a rejection may carry, its short name (`short`: the keys of `totals.rejectedByReason`, `<code> <short>`).
 */
const CODES = {
  /** downloaded / published / copied / linked */
  ok: { code: 201, text: 'Download successful' },
  /** mkdir skipped: directory exists */
  mkdirSkipped: { code: 202, text: 'mkdir skipped: directory exists' },
  /** transformed during download */
  transformed: { code: 203, text: 'transformed during download' },
  /** checksum recalculated on receipt */
  recalculated: { code: 205, text: 'checksum recalculated on receipt' },
  /** partial content inserted */
  partial: { code: 206, text: 'partial content inserted' },
  /** not modified: duplicate, checksum the same */
  duplicate: { code: 304, text: 'not modified (duplicate)', short: 'duplicate' },
  /** insertion deferred (part file) */
  deferred: { code: 307, text: 'insertion deferred' },
  /** notice_verify: signature missing, forged or not trusted (sarra-ts; not in sr3's table) */
  forbidden: { code: 403, text: 'notice signature refused' },
  /** no accept/reject pattern matched; a local file to send is missing; a hook rejected without a code */
  noMatch: { code: 404, text: 'no pattern match', short: 'no match' },
  /** file older than fileAgeMax */
  tooOld: { code: 406, text: 'older than fileAgeMax', short: 'too old' },
  /** file too old */
  gone: { code: 410, text: 'file too old', short: 'too old' },
  /** file bigger than fileSizeMax (sr3's "Payload Too Large") */
  tooBig: { code: 413, text: 'file too big', short: 'too big' },
  /** inlineOnly: the notice carries data but not inline */
  notInline: { code: 415, text: 'data not inline', short: 'not inline' },
  /** invalid (malformed) message; a notice that can never be published */
  invalid: { code: 417, text: 'invalid message', short: 'malformed' },
  /** cannot determine the destination path */
  noDest: { code: 422, text: 'cannot determine destination path', short: 'no destination' },
  /** file younger than fileAgeMin */
  tooYoung: { code: 425, text: 'younger than fileAgeMin', short: 'too young' },
  /** send failed (docs) */
  sendFailed: { code: 496, text: 'send failed' },
  /** send failed, other (docs) */
  sendFailed2: { code: 497, text: 'send failed' },
  /** transfer failed (sftp/ftp/http); a download or send plugin refused */
  failed: { code: 499, text: 'transfer failed', short: 'failed' },
  /** service unavailable / unsupported */
  unavailable: { code: 503, text: 'service unavailable', short: 'unavailable' },
  /** message too old (messageAgeMax) */
  msgTooOld: { code: 504, text: 'message too old', short: 'message too old' },
} as const satisfies { [name: string]: { code: number; text: string; short?: string } };

/** Names of the report codes. */
export type ReportName = keyof typeof CODES;

/** Report codes by name (`REPORT.noDest` is 422). Rejections set these codes even when reports are not published. */
export const REPORT = Object.fromEntries(Object.entries(CODES).map(([name, c]) => [name, c.code])) as
  { readonly [K in ReportName]: (typeof CODES)[K]['code'] };

const BY_CODE = new Map<number, { text: string; short?: string }>(Object.values(CODES).map((c) => [c.code, c]));

/** The short name of a rejection code (`422` -> `no destination`); undefined for a code without one. */
export function reportShortName(code: number): string | undefined {
  return BY_CODE.get(code)?.short;
}

/** A short English description of a report code (for `report.message` and logs). */
export function reportText(code: number): string {
  return BY_CODE.get(code)?.text ?? `code ${code}`;
}
