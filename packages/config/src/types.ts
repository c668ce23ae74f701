// Public types of @sarra/config: the typed Options every package reads, masks, option specs, diagnostics.
import type { Env } from '@sarra/common';
import type { Credentials } from './credentials.js';

export type { Env };

/** Kinds of option values (COMPAT §3 "Types"). `url` is a str that must parse as a URL. */
export type OptionKind = 'count' | 'size' | 'duration' | 'flag' | 'float' | 'list' | 'set' | 'str' | 'octal' | 'url';

/** One accept/reject line, with the destination options in force when it was read (order matters in sr3). */
export interface Mask {
  /** The regex as written in the config (Python syntax). */
  pattern: string;
  /** The translated JS regex, anchored at the start like Python `re.match`. */
  regex: RegExp;
  accept: boolean;
  directory: string;
  mirror: boolean;
  strip: number | string;
  flatten: string;
  rename?: string;
  baseDir?: string;
  /** `filename` option in force, or the keyword after the regex (`accept <re> DESTFN=x`). */
  filename?: string;
  file?: string;
  line?: number;
}

/** A binding captured at a `subtopic` line: the exchange and topicPrefix in force then. */
export interface BindingSpec {
  /** Exchange set before this subtopic line; undefined = the config's final subscribe exchange. */
  exchange?: string;
  topicPrefix: string;
  subtopic: string;
}

/** Where an option value came from (for diagnostics, `sr show`). */
export interface Origin {
  file: string;
  line: number;
}

/**
 * Typed, validated options: the value of every option of the table under its sr3 name (derived from the
 * table in options-type.ts, so it cannot drift from it), plus what the loader adds (masks, bindings, origins...).
 * Units: durations in SECONDS, sizes in bytes, counts numbers, flags boolean, octal modes numbers,
 * lists string[], sets Set<string>, unset strings undefined.
 */
export type { Options } from './options-type.js';

/** What the loader adds to the option values (everything in Options that is not an option of the table). */
export interface LoadedParts {
  component: string;
  config: string;
  /** Path of the main .conf file. */
  file?: string;
  /** Bindings captured at each subtopic line. */
  bindings: BindingSpec[];
  /** True after `subtopic None`: bind nothing. */
  subtopicNone: boolean;
  masks: Mask[];
  /** `declare source|subscriber <user>`, `declare exchange <x>`, `declare env NAME=value`. */
  declared: { source: string[]; subscriber: string[]; exchange: string[]; env: Record<string, string> };
  /** `header name=value` lines: fields added to (or replaced in) every posted notice. */
  headers: Record<string, string>;
  /** `set <callback>.<option> value` lines (sr3's per-class settings): the option's value for that callback only. */
  settings: Record<string, string>;
  /** Where each `set` key was last set. */
  settingOrigins: Record<string, Origin>;
  /**
   * Option lines no table entry knows, last value wins, with their file:line. A callback module declaring
   * the name (its `options` export) takes it out of here into `pluginOptions`; whatever is left is an error.
   */
  unknownOptions: Record<string, { value: string; file: string; line: number }>;
  /** Values of options declared by the configuration's callback modules, typed by their declared kind. */
  pluginOptions: Record<string, unknown>;
  /** Where each explicitly set option was last set. */
  origins: Record<string, Origin>;
  /** Where each `callback`/`callback_prepend` entry was named (by module spec). */
  callbackOrigins: Record<string, Origin>;
  credentials: Credentials;
}

/** A parse/lint finding, always with `file:line`. `code` classifies it (e.g. 'unknown-option'). */
export interface Diagnostic {
  file: string;
  line: number;
  message: string;
  severity: 'error' | 'warning';
  code?: string;
  option?: string;
}

/** Parsing context handed to custom value parsers. */
export interface ValueContext {
  component: string;
}

/** One entry of the option table. */
export interface OptionSpec {
  name: string;
  kind: OptionKind;
  /** sr3 default (typed: seconds, bytes, booleans...). undefined = unset. */
  default: unknown;
  /** v2/alternative names mapping 1:1 onto this option. */
  synonyms: string[];
  /** Names that set this flag to the inverse of their value (`no_download` -> download False). */
  invertedSynonyms?: string[];
  /** Synonyms valid only for some components (`destination` is pollUrl for poll). */
  componentSynonyms?: Record<string, string[]>;
  /** Per-component default overrides (COMPAT §1). */
  componentDefaults?: Record<string, unknown>;
  /** Allowed values for str options. */
  choices?: string[];
  /** Universe of a set option (for `all`). */
  universe?: string[];
  /** Custom value parser (overrides the kind's parser); throws Error with a reason. */
  parse?: (value: string, ctx: ValueContext) => unknown;
  doc: string;
  /**
   * Explicitly implemented: never to be marked unsupported. Set on the options whose code is landing under
   * issue 12 part 5 (the table-walk test lists them as pending until they are read by code).
   */
  status?: 'implemented';
  /**
   * sarra-ts does not do what this option asks: why, or what to use instead (one line). A line setting it to
   * anything but an `honoured` value is refused at lint and at start: `<option>: not supported by sarra-ts (<why>)`.
   */
  unsupported?: string;
  /** Values of an unsupported option that are what sarra-ts does anyway (accepted). @default [the default] */
  honoured?: readonly unknown[];
  /** Values (as parsed, compared as strings) of a supported option that sarra-ts refuses, each with its why. */
  unsupportedValues?: Record<string, string>;
}

/** The extra fields `opt()` takes, with the custom parser's result type kept for the derived Options type. */
export type SpecExtra<P> = Partial<Omit<OptionSpec, 'name' | 'kind' | 'default' | 'doc' | 'synonyms' | 'parse'>> & {
  synonyms?: string[];
  parse?: (value: string, ctx: ValueContext) => P;
};

/** One table entry as `opt()` returns it: literal name and kind, default and parser types kept. */
export type TableSpec<N extends string, K extends OptionKind, D, P> = OptionSpec & {
  readonly name: N;
  readonly kind: K;
  readonly default: D;
  /** Type only (absent at run time): the custom parser's result type, `never` without one. */
  readonly __parsed: P;
};
