// The Options type, derived from the option table itself (no hand-kept parallel list): one property per
// table entry, typed by its kind (or its custom parser), optional when its default is unset.
import type { BROKER_OPTIONS } from './options-broker.js';
import type { FILE_OPTIONS } from './options-files.js';
import type { MISC_OPTIONS } from './options-misc.js';
import type { TRUST_OPTIONS } from './options-trust.js';
import type { LoadedParts, OptionKind } from './types.js';

/** Every entry of the table, as a union of their literal types. */
type Entry = (typeof BROKER_OPTIONS)[number] | (typeof FILE_OPTIONS)[number] | (typeof MISC_OPTIONS)[number]
  | (typeof TRUST_OPTIONS)[number];

/** The TypeScript type of a value of each kind (units: seconds, bytes, octal numbers). */
interface KindValue {
  count: number; size: number; duration: number; float: number; octal: number;
  flag: boolean; list: string[]; set: Set<string>; str: string; url: string;
}

/** An entry's value type: its parser's result, else its kind's type (plus undefined when its default is unset). */
type ValueOf<S> = S extends { readonly kind: infer K extends OptionKind; readonly default: infer D; readonly __parsed: infer P }
  ? [P] extends [never] ? KindValue[K] | (undefined extends D ? undefined : never) : P
  : never;

type Required_<S> = S extends unknown ? (undefined extends ValueOf<S> ? never : S) : never;
type Optional_<S> = S extends unknown ? (undefined extends ValueOf<S> ? S : never) : never;

/** Option values by sr3 name. */
type TableValues =
  & { [S in Required_<Entry> as S['name']]: ValueOf<S> }
  & { [S in Optional_<Entry> as S['name']]?: Exclude<ValueOf<S>, undefined> };

/** Options the resolver always sets, whatever the table's default (resolve.ts). */
interface Resolved {
  /** Subscribe exchange; when not configured, the derived one (xpublic / xs_<user>[_suffix]). */
  exchange: string;
  /** = the last topicPrefix when not set. */
  post_topicPrefix: string;
  /** v02 or v03, from post_topicPrefix when not set. */
  post_format: string;
  /** = expire when not set, seconds. */
  retry_ttl: number;
}

/**
 * Typed, validated options. Property names are exactly the sr3 names (COMPAT §3); see LoadedParts for
 * what the loader adds. Units: durations in SECONDS, sizes in bytes, counts numbers, flags boolean,
 * octal modes numbers, lists string[], sets Set<string>, unset strings undefined.
 */
export type Options = Omit<TableValues, keyof Resolved> & Resolved & LoadedParts;
