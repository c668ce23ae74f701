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
 * Typed, validated options. Property names are exactly the sr3 names (COMPAT §3).
 * Units: durations in SECONDS, sizes in bytes, counts numbers, flags boolean, octal modes numbers,
 * lists string[], sets Set<string>, unset strings undefined.
 */
export interface Options {
  component: string;
  config: string;
  /** Path of the main .conf file. */
  file?: string;

  // ---- subscribe side: broker, exchange, queue
  broker?: string;
  /** Subscribe exchange; when not configured, the derived one (xpublic / xs_<user>[_suffix]). */
  exchange: string;
  exchangeSuffix?: string;
  exchangeSplit: number;
  topicPrefix: string;
  /** Raw subtopic values in file order ([] when none or `subtopic None`). */
  subtopic: string[];
  /** Bindings captured at each subtopic line. */
  bindings: BindingSpec[];
  /** True after `subtopic None`: bind nothing. */
  subtopicNone: boolean;
  topic?: string;
  queueName?: string;
  /** Template; `${RAND8}` left for defaultQueueName. */
  queueShare: string;
  queueType: string;
  expire: number;
  messageAgeMax: number;
  prefetch: number;
  batch: number;
  instances: number;
  durable: boolean;
  persistent: boolean;
  auto_delete: boolean;
  queueDeclare: boolean;
  queueBind: boolean;
  exchangeDeclare: boolean;
  amqp_consumer: boolean;

  // ---- post side
  post_broker?: string;
  post_exchange?: string;
  post_exchangeSuffix?: string;
  post_exchangeSplit: number;
  post_topicPrefix: string;
  post_topic?: string;
  post_format?: string;
  post_baseUrl?: string;
  post_baseDir?: string;
  post_messageAgeMax: number;
  topicCopy: boolean;
  report: boolean;
  report_broker?: string;
  report_exchange?: string;

  // ---- filtering and destination
  acceptUnmatched: boolean;
  masks: Mask[];
  directory: string;
  mirror: boolean;
  strip: number | string;
  flatten: string;
  filename?: string;
  rename?: string;
  baseDir?: string;
  baseUrl_relPath: boolean;
  download: boolean;
  delete: boolean;
  discard: boolean;
  overwrite: boolean;
  inflight?: string | number;
  acceptSizeWrong: boolean;
  identity: string;
  nodupe_ttl: number;
  nodupe_basis: string;
  nodupe_driver: string;
  fileAgeMin: number;
  fileAgeMax: number;
  fileSizeMax: number;
  timeCopy: boolean;
  permCopy: boolean;
  permDefault: number;
  permDirDefault: number;
  permLog: number;
  varTimeOffset: number;

  // ---- retry, timing, limits
  attempts: number;
  retry_ttl: number;
  retry_refilter: boolean;
  retryEmptyBeforeExit: boolean;
  housekeeping: number;
  sleep: number;
  scheduled_interval: number;
  scheduled_hour: string[];
  scheduled_minute: string[];
  scheduled_time: string[];
  timeout: number;
  transferRateMin: number;
  messageRateMax: number;
  messageRateMin: number;
  byteRateMax: number;
  messageCountMax: number;

  // ---- sources, clusters, destinations
  source?: string;
  sourceFromExchange: boolean;
  sourceFromMessage: boolean;
  cluster?: string;
  to_clusters?: string;
  vip: string[];
  path: string[];
  sendTo?: string;
  pollUrl?: string;

  // ---- inline content, watch, partitioning, accelerators
  inline: boolean;
  inlineByteMax: number;
  inlineEncoding: string;
  inlineOnly: boolean;
  fileEvents: Set<string>;
  force_polling: boolean;
  follow_symlinks: boolean;
  recursive: boolean;
  realpathPost: boolean;
  post_on_start: boolean;
  blockSize: number;
  accelThreshold: number;
  accelWgetCommand: string;
  accelScpCommand: string;
  accelCpCommand: string;

  // ---- logging and state
  logLevel: string;
  debug: boolean;
  logEvents: Set<string>;
  logReject: boolean;
  logDuplicates: boolean;
  logMessageDump: boolean;
  messageDebugDump: boolean;
  logFormat?: string;
  logJson: boolean;
  logStdout: boolean;
  logMetrics: boolean;
  logRotateCount: number;
  logRotateInterval: number;
  statehost: boolean;

  // ---- plugins
  callback: string[];
  callback_prepend: string[];
  import: string[];
  flowMain?: string;
  /** v2 plugin hooks (run only if a v2 wrapper exists; kept so configs load). */
  on_message: string[];
  on_file: string[];
  on_post: string[];
  on_heartbeat: string[];
  on_start: string[];
  on_stop: string[];
  on_line: string[];
  on_html_page: string[];
  plugin: string[];
  do_send: string[];
  do_download: string[];
  do_poll: string[];

  // ---- resources, status thresholds, misc
  MemoryMax: number;
  MemoryMultiplier: number;
  MemoryBaseLineFile: number;
  runStateThreshold_hung: number;
  runStateThreshold_idle: number;
  runStateThreshold_lag: number;
  runStateThreshold_reject: number;
  runStateThreshold_retry: number;
  runStateThreshold_slow: number;
  runStateThreshold_cpuSlow: number;
  tlsRigour: string;
  dry_run: boolean;
  reset: boolean;
  outlet: string;
  message_strategy: string;
  remote_config_url: boolean;

  // ---- administration (admin.conf)
  /** Accept a credentials.conf readable by group or others (otherwise a configuration error). */
  insecureCredentials: boolean;
  admin?: string;
  feeder?: string;
  users: boolean;
  /** `declare source|subscriber <user>`, `declare exchange <x>`, `declare env NAME=value`. */
  declared: { source: string[]; subscriber: string[]; exchange: string[]; env: Record<string, string> };

  // ---- free-form
  /** `header name=value` lines: fields added to every posted message. */
  headers: Record<string, string>;
  /** `set a.b.c value` lines (per-class settings), stored, not interpreted. */
  settings: Record<string, string>;
  /** Unknown option lines (plugins may declare them), last value wins, with their file:line. */
  unknownOptions: Record<string, { value: string; file: string; line: number }>;
  /** Where each explicitly set option was last set. */
  origins: Record<string, Origin>;
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
}
