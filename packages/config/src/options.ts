// The one option table (assembled from its topic parts), name/synonym lookup, and per-component defaults.
import { BROKER_OPTIONS } from './options-broker.js';
import { FILE_OPTIONS } from './options-files.js';
import { MISC_OPTIONS } from './options-misc.js';
import { TRUST_OPTIONS } from './options-trust.js';
import type { OptionSpec } from './types.js';

/** Components sarra-ts runs (COMPAT §1). */
export const COMPONENTS: readonly string[] = [
  'subscribe', 'sarra', 'shovel', 'winnow', 'sender', 'poll', 'post', 'watch', 'report', 'flow',
];

/** Components that consume from a broker queue (need `broker`). */
export const CONSUMERS: readonly string[] = ['subscribe', 'sarra', 'shovel', 'winnow', 'sender', 'report'];

/** Components that only publish (need `post_broker`; a `broker` line is read as post_broker). */
export const PRODUCERS: readonly string[] = ['poll', 'post', 'watch'];

/** Every option of sr3/sarra-ts: name, kind, default, synonyms, per-component defaults, doc. */
export const OPTIONS: readonly OptionSpec[] = [...BROKER_OPTIONS, ...FILE_OPTIONS, ...MISC_OPTIONS, ...TRUST_OPTIONS];

/** Directives handled by the parser itself (not values): they never appear in OPTIONS. */
export const DIRECTIVES: readonly string[] = ['accept', 'reject', 'include', 'config', 'declare', 'header', 'set'];

const BY_NAME = new Map<string, OptionSpec>();
const BY_SYNONYM = new Map<string, OptionSpec>();
const INVERTED = new Map<string, OptionSpec>();
const BY_COMPONENT_SYNONYM = new Map<string, OptionSpec>();
for (const spec of OPTIONS) {
  if (BY_NAME.has(spec.name)) throw new Error(`option table: ${spec.name} declared twice`);
  BY_NAME.set(spec.name, spec);
}
for (const spec of OPTIONS) {
  for (const s of spec.synonyms) {
    if (BY_NAME.has(s) || BY_SYNONYM.has(s)) throw new Error(`option table: synonym ${s} clashes`);
    BY_SYNONYM.set(s, spec);
  }
  for (const s of spec.invertedSynonyms ?? []) INVERTED.set(s, spec);
  for (const [comp, names] of Object.entries(spec.componentSynonyms ?? {})) {
    for (const s of names) BY_COMPONENT_SYNONYM.set(`${comp}/${s}`, spec);
  }
}

/** What an option name on a config line refers to. */
export interface Resolved {
  spec: OptionSpec;
  /** The line's name was an inverted synonym (`no_download`). */
  inverted: boolean;
  /** The line used a synonym rather than the sr3 name. */
  synonym: boolean;
}

/** Look an option name up (exact case): sr3 name, component synonym, synonym, inverted synonym. */
export function resolveOption(name: string, component: string): Resolved | undefined {
  const exact = BY_NAME.get(name);
  if (exact) return { spec: exact, inverted: false, synonym: false };
  const comp = BY_COMPONENT_SYNONYM.get(`${component}/${name}`);
  if (comp) return { spec: comp, inverted: false, synonym: true };
  const syn = BY_SYNONYM.get(name);
  if (syn) return { spec: syn, inverted: false, synonym: true };
  const inv = INVERTED.get(name);
  if (inv) return { spec: inv, inverted: true, synonym: true };
  return undefined;
}

/** The spec of an sr3 option name. */
export function optionSpec(name: string): OptionSpec | undefined {
  return BY_NAME.get(name);
}

/** A fresh copy of a default value (sets and lists must not be shared). */
function copy(v: unknown): unknown {
  if (v instanceof Set) return new Set(v);
  if (Array.isArray(v)) return [...v];
  return v;
}

/** Default value of an option for a component (per-component default first). */
export function defaultFor(spec: OptionSpec, component: string): unknown {
  const cd = spec.componentDefaults;
  if (cd && Object.prototype.hasOwnProperty.call(cd, component)) return copy(cd[component]);
  return copy(spec.default);
}

/** All option defaults for a component, keyed by sr3 name. */
export function defaultsFor(component: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of OPTIONS) out[spec.name] = defaultFor(spec, component);
  return out;
}
