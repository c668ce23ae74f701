// Option table, part 3: logging, plugins, resources, status thresholds, administration.
import { opt } from './option-kinds.js';
import type { OptionSpec } from './types.js';

/** Events logLevel-independent logging can report (`logEvents`). */
export const LOG_EVENTS = [
  'after_accept', 'after_work', 'after_post', 'on_housekeeping', 'gather', 'reject', 'on_start', 'on_stop', 'nodupe',
];
const LOG_LEVELS = ['debug', 'info', 'warning', 'warn', 'error', 'critical', 'none'];

/** v2 plugin hook options: kept as lists so v2 configs load (sarra-ts hooks are JS modules). */
const V2_HOOKS = [
  'on_message', 'on_file', 'on_post', 'on_heartbeat', 'on_start', 'on_stop', 'on_line', 'on_html_page', 'plugin',
  'do_send', 'do_download', 'do_poll',
].map((n) => opt(n, 'list', [], `v2 plugin hook ${n} (Python; needs a JS port).`));

export const MISC_OPTIONS: OptionSpec[] = [
  opt('logLevel', 'str', 'info', 'Minimum log level: debug, info, warning, error, critical.', {
    synonyms: ['loglevel', 'll'],
    choices: LOG_LEVELS,
  }),
  opt('debug', 'flag', false, 'Shorthand for logLevel debug.'),
  opt('logEvents', 'set', new Set(['after_accept', 'after_post', 'after_work', 'on_housekeeping']), 'Events logged at info level.', {
    universe: LOG_EVENTS,
  }),
  opt('logReject', 'flag', false, 'Log every rejected message with its reason.', { synonyms: ['log_reject'] }),
  opt('logDuplicates', 'flag', false, 'Log every duplicate suppressed.', { componentDefaults: { winnow: true } }),
  opt('logMessageDump', 'flag', false, 'Log the whole message at each event.'),
  opt('messageDebugDump', 'flag', false, 'Dump raw wire messages (debugging).'),
  opt('logFormat', 'str', undefined, 'Log line format (sarra-ts: sr3 line format when unset).'),
  opt('logJson', 'flag', false, 'Also write a JSON-lines log.'),
  opt('logStdout', 'flag', false, 'Log to stdout instead of a file (containers).'),
  opt('logMetrics', 'flag', false, 'Keep dated copies of metrics files.'),
  opt('logRotateCount', 'count', 5, 'Rotated log files kept.', { synonyms: ['logdays', 'logRotate'] }),
  opt('logRotateInterval', 'duration', 86400, 'Log rotation interval, seconds.'),
  opt('statehost', 'flag', false, 'Insert the short host name into the cache directory (shared homes).'),

  opt('callback', 'list', [], 'Flow hooks to load (JS/TS modules), in order.', { synonyms: ['flowcb', 'flowCallback'] }),
  opt('callback_prepend', 'list', [], 'Flow hooks loaded before the others.', { synonyms: ['flowCallbackPrepend'] }),
  opt('import', 'list', [], 'Extra modules to load (transfer/identity classes).'),
  opt('flowMain', 'str', undefined, 'Component whose flow a `flow` configuration runs.'),
  ...V2_HOOKS,

  opt('MemoryMax', 'size', 0, 'Restart the instance when its memory exceeds this; 0 = automatic (3x baseline).', {
    synonyms: ['hb_memory_max'],
  }),
  opt('MemoryMultiplier', 'float', 3, 'Automatic MemoryMax = baseline x this.', { synonyms: ['hb_memory_multiplier'] }),
  opt('MemoryBaseLineFile', 'count', 100, 'Items processed before the memory baseline is taken.', {
    synonyms: ['hb_memory_baseline_file'],
  }),
  opt('runStateThreshold_hung', 'duration', 450, 'Status `hung` when the log is silent this long, seconds.', {
    synonyms: ['sanity_log_dead'],
  }),
  opt('runStateThreshold_idle', 'duration', 900, 'Status `idle` with no transfer this long, seconds.'),
  opt('runStateThreshold_lag', 'duration', 30, 'Status `lag` when mean lag exceeds this, seconds.'),
  opt('runStateThreshold_reject', 'float', 80, 'Status `reje` when % rejected exceeds this.'),
  opt('runStateThreshold_retry', 'count', 1000, 'Status `rtry` when retry queues exceed this.'),
  opt('runStateThreshold_slow', 'size', 0, 'Status `slow` below this many bytes/s; 0 = off.'),
  opt('runStateThreshold_cpuSlow', 'float', 0, 'Status `cpuS` below this many messages per CPU second; 0 = off.'),
  opt('tlsRigour', 'str', 'normal', 'TLS certificate checking: lax, normal or strict.', {
    synonyms: ['tls_rigour'],
    choices: ['lax', 'normal', 'strict'],
  }),
  opt('message_strategy', 'str', 'stubborn', 'Broker connection strategy (sarra-ts always reconnects forever with back-off).'),
  opt('remote_config_url', 'flag', false, 'sr3 self-updating remote configs: not supported (accepted, ignored).'),
  opt('dry_run', 'flag', false, 'Connect and filter, skip transfers.', { synonyms: ['dryrun'] }),
  opt('reset', 'flag', false, 'Delete and re-create the queue (and nodupe cache) at start.'),
  opt('outlet', 'str', 'post', 'cpump output: post, json or url.', { choices: ['post', 'json', 'url'] }),

  opt('insecureCredentials', 'flag', false,
    'sarra-ts: load a credentials.conf that group or others can read; off = start, foreground, restart and lint refuse it (chmod 600 it instead).'),
  opt('admin', 'url', undefined, 'Administrator broker URL (admin.conf).'),
  opt('feeder', 'url', undefined, 'Feeder broker URL (admin.conf).'),
  opt('users', 'flag', false, 'declare: also declare users and permissions.'),
];
