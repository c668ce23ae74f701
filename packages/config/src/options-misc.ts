// Option table, part 3: logging, plugins, resources, status thresholds, administration.
import { logFormatError, parseSyslogTarget } from '@sarra/common';
import { isNone, opt, parseTlsRigour } from './option-kinds.js';

/** Events logLevel-independent logging can report (`logEvents`). */
const LOG_EVENTS = [
  'after_accept', 'after_work', 'after_post', 'on_housekeeping', 'gather', 'reject', 'on_start', 'on_stop', 'nodupe',
];
const LOG_LEVELS = ['debug', 'info', 'warning', 'warn', 'error', 'critical', 'none'];

/**
 * sr3's v2 plugin entry points: Python code sarra-ts cannot run (the plugins sr3 itself replaces by built-in
 * behaviour are handled in legacy.ts before a line gets here).
 */
const V2_HOOKS = ([
  'on_message', 'on_file', 'on_post', 'on_heartbeat', 'on_housekeeping', 'on_start', 'on_stop', 'on_line', 'on_html_page',
  'on_part', 'on_report', 'on_watch', 'plugin', 'do_send', 'do_download', 'do_get', 'do_put', 'do_poll',
] as const).map((n) => opt(n, 'list', [], `v2 plugin hook ${n} (Python).`, {
  synonyms: n === 'on_message' ? ['on_msg'] : [],
  unsupported: 'a v2 Python plugin: port it to a JS/TS flow callback (`callback <module>`); `sr convert` maps those sr3 has built in',
}));

const NOT_STATUS = 'sr status has no such state';

export const MISC_OPTIONS = [
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
  opt('logMessageDump', 'flag', false, 'At each logged event, also log the whole notice as it stands (JSON).', { status: 'implemented' }),
  opt('messageDebugDump', 'flag', false, 'Dump raw wire messages (debugging).', {
    unsupported: 'raw wire messages are not dumped; logMessageDump logs each whole message',
  }),
  opt('logFormat', 'str', undefined, 'Python logging format of log lines (%(asctime)s %(levelname)s %(name)s %(message)s %(process)d ...).', {
    synonyms: ['log_format'],
    parse: (v: string) => {
      if (isNone(v)) return undefined;
      const why = logFormatError(v);
      if (why) throw new Error(why);
      return v;
    },
  }),
  opt('logJson', 'flag', false, 'Log one JSON object a line (time, level, name, pid, message) instead of the text line, to the same file or stream.', {
    status: 'implemented',
  }),
  opt('logSyslog', 'str', undefined, 'Also send the log to syslog/journald: a datagram socket path (/dev/log) or udp://host[:port] (sarra-ts; sr3 has none).', {
    parse: (v: string) => {
      if (isNone(v)) return undefined;
      parseSyslogTarget(v);
      return v;
    },
  }),
  opt('logStdout', 'flag', false, 'Log to standard output instead of the rotated log file (containers: sr start keeps its output for the instances).', {
    status: 'implemented',
  }),
  opt('logMetrics', 'flag', false, 'Keep dated copies of metrics files.', {
    unsupported: 'no dated metrics copies: the current snapshot is in ~/.cache/sarra/metrics (sr status --json)',
  }),
  opt('metrics_writeInterval', 'duration', 5, 'Interval between metrics file writes, seconds.', {
    unsupported: 'sarra-ts paces its metrics files itself (on change, and every 10 s when idle)',
    honoured: [],
  }),
  opt('logRotateCount', 'count', 5, 'Rotated log files kept.', { synonyms: ['logdays', 'logRotate', 'log_rotate'] }),
  opt('logRotateInterval', 'duration', 86400, 'Log rotation interval, seconds.', { synonyms: ['logRotate_interval'] }),
  opt('statehost', 'flag', false, 'Insert the short host name into the cache directory (shared homes).'),

  opt('callback', 'list', [], 'Flow hooks to load (JS/TS modules), in order.', {
    synonyms: ['flowcb', 'flowCallback', 'flow_callback', 'fcb'],
  }),
  opt('callback_prepend', 'list', [], 'Flow hooks loaded before the others.', {
    synonyms: ['flowCallbackPrepend', 'flow_callback_prepend', 'flowcb_prepend', 'fcbp', 'cbp'],
  }),
  opt('import', 'list', [], 'Extra Python modules to load (transfer, moth or identity classes).', {
    unsupported: "Python extension classes: sarra-ts's transfers and identities are built in; JS/TS hooks go in `callback`",
  }),
  opt('flowMain', 'str', undefined, 'Flow class (component) a `flow` configuration runs.', {
    unsupported: 'put the configuration under that component instead (~/.config/sarra/<component>/)',
  }),
  ...V2_HOOKS,

  opt('MemoryMax', 'size', 0, 'Restart the instance cleanly when its memory (RSS, checked at housekeeping) exceeds this; 0 = MemoryMultiplier x the baseline.', {
    status: 'implemented',
    synonyms: ['hb_memory_max'],
  }),
  opt('MemoryMultiplier', 'float', 3, 'Without MemoryMax: the limit is this many times the memory measured once MemoryBaseLineFile items were processed.', {
    status: 'implemented',
    synonyms: ['hb_memory_multiplier'],
  }),
  opt('MemoryBaseLineFile', 'count', 100, 'Notices accepted (or files transferred) before the memory baseline is measured.', {
    status: 'implemented',
    synonyms: ['hb_memory_baseline_file'],
  }),
  opt('runStateThreshold_hung', 'duration', 450, 'Status `hung` when the log is silent this long, seconds.', {
    synonyms: ['sanity_log_dead'],
  }),
  opt('runStateThreshold_idle', 'duration', 900, 'Status `idle` with no transfer this long, seconds.'),
  opt('runStateThreshold_lag', 'duration', 30, 'Status `lag` when mean lag exceeds this, seconds.'),
  opt('runStateThreshold_reject', 'float', 80, 'Status `reje` when % rejected exceeds this.'),
  opt('runStateThreshold_retry', 'count', 1000, 'Status `rtry` when retry queues exceed this.'),
  opt('runStateThreshold_slow', 'size', 0, 'Status `slow` below this many bytes/s (files in and out, while messages come); 0 = off.'),
  opt('runStateThreshold_cpuSlow', 'float', 0, 'Status `cpuS` below this many messages per CPU second; 0 = off.'),
  opt('runStateThreshold_disconnected', 'count', 80, 'Status `disc` when disconnected more than this % of the time.', {
    unsupported: NOT_STATUS,
  }),
  opt('tlsRigour', 'str', 'normal',
    'TLS checks of amqps brokers and https servers: lax (none), normal (certificate and host name; sr3 docs: medium) or strict (also TLS 1.2 or later).', {
    status: 'implemented',
    synonyms: ['tls_rigour'],
    choices: ['lax', 'normal', 'strict'],
    parse: parseTlsRigour,
  }),
  opt('message_strategy', 'str', 'stubborn', 'Broker connection strategy.', {
    unsupported: 'sarra-ts always reconnects, forever, with back-off (stubborn)',
  }),
  opt('remote_config_url', 'flag', false, 'Re-fetch the configuration from its URL (sr3 remote configurations).', {
    unsupported: 'remote configurations are not fetched: copy the file into ~/.config/sarra',
  }),
  opt('dry_run', 'flag', false, 'Connect and filter, skip transfers.', {
    status: 'implemented',
    synonyms: ['dryrun', 'simulate', 'simulation'],
  }),
  opt('reset', 'flag', false, 'Delete and re-create the queue (and nodupe cache) at start.', {
    unsupported: 'run `sr cleanup <component>/<config>` before `sr start` (removes the queue and the state files)',
  }),
  opt('outlet', 'str', 'post', 'cpump output: post, json or url.', {
    choices: ['post', 'json', 'url'],
    unsupported: "json and url are cpump's stdout outlets: sarra-ts always posts",
  }),
  opt('sundew_compat_regex_first_match_is_zero', 'flag', false, 'Number regex groups from 0 in ${N} (Sundew).', {
    unsupported: 'regex groups are numbered from 1: ${1} is the first group',
  }),
  opt('v2compatRenameDoublePost', 'flag', false, 'Post a rename twice, v2 style (old name removed, new name).', {
    unsupported: 'a rename is posted once, with fileOp rename (sr3 default)',
  }),

  opt('insecureCredentials', 'flag', false,
    'sarra-ts: load a credentials.conf that group or others can read; off = start, foreground, restart and lint refuse it (chmod 600 it instead).'),
  opt('admin', 'url', undefined, 'Administrator broker URL (admin.conf).'),
  opt('feeder', 'url', undefined, 'Feeder broker URL (admin.conf).', { synonyms: ['manager'] }),
  opt('users', 'flag', false, 'declare: also declare users and permissions.', {
    unsupported: 'a command-line switch in sarra-ts: sr declare --users',
  }),
];
