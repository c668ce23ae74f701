// sr3's treatment of v2 leftovers, applied before a line reaches the option table: obsolete v2 keys are
// dropped with a warning, v2 plugins sr3 replaces by built-in behaviour become that behaviour, kbytes_ps
// becomes byteRateMax.

/**
 * v2 options sr3 drops (its `convert_to_v3` "continue" entries): warned about at their line and ignored.
 * The value is a hint for the operator, '' when sr3's own behaviour needs nothing.
 */
export const OBSOLETE_V2: Readonly<Record<string, string>> = {
  cache_stat: '',
  cluster_aliases: '',
  file_total_interval: '',
  from_cluster: 'the cluster name stamped on posts is `cluster`',
  ls_file_index: '',
  msg_total_interval: '',
  parts: 'files move whole',
  poll_without_vip: 'a poll without vip always polls',
  post_log_format: '',
  post_total_interval: '',
  pump: '',
  pump_flag: '',
  reconnect: 'sarra-ts always reconnects',
  report_daemons: '',
  restore: '',
  retry_mode: 'failed transfers always go to the retry queue',
  save: '',
  set_passwords: '',
  to: '',
  to_clusters: '',
  windows_run: '',
  xattr_disable: '',
};

/** What a v2 plugin line becomes: another line, or nothing (its work is built in). */
type PluginMapping = { line: string } | { builtIn: true };

const BUILT_IN: PluginMapping = { builtIn: true };

/** v2 plugins by entry point that sr3 maps to built-in behaviour (other v2 plugins are refused: options-misc.ts). */
const V2_PLUGINS: Readonly<Record<string, Readonly<Record<string, PluginMapping>>>> = {
  on_message: {
    msg_log: { line: 'logEvents +after_accept' },
    msg_rawlog: { line: 'logEvents +after_accept' },
    msg_by_source: BUILT_IN, msg_by_user: BUILT_IN, msg_download: BUILT_IN, msg_dump: BUILT_IN, msg_total: BUILT_IN,
    msg_from_cluster: BUILT_IN, msg_stdfiles: BUILT_IN, msg_stopper: BUILT_IN, msg_overwrite_sum: BUILT_IN,
    msg_gts2wistopic: BUILT_IN,
  },
  on_post: {
    post_log: { line: 'logEvents +after_work' },
    post_total: BUILT_IN, post_rate_limit: BUILT_IN, to: BUILT_IN,
  },
  plugin: {
    accel_wget: BUILT_IN, accel_scp: BUILT_IN, accel_cp: BUILT_IN,
    msg_total_save: BUILT_IN, file_total_save: BUILT_IN, post_total_save: BUILT_IN,
  },
};

/** What to do with a line before the option table sees it; undefined = nothing special. */
export type LegacyLine = { obsolete: string } | { rewrite: string };

/** sr3's handling of a v2 line `name value`, if it has one (`.py` suffixes of plugin names ignored). */
export function legacyLine(name: string, value: string): LegacyLine | undefined {
  if (Object.prototype.hasOwnProperty.call(OBSOLETE_V2, name)) {
    const hint = OBSOLETE_V2[name];
    return { obsolete: `${name}: obsolete v2 option, ignored (as sr3 does)${hint ? `: ${hint}` : ''}` };
  }
  const plugins = V2_PLUGINS[name === 'on_msg' ? 'on_message' : name];
  const plugin = value.trim().replace(/\.py$/, '');
  const m = plugins && Object.prototype.hasOwnProperty.call(plugins, plugin) ? plugins[plugin] : undefined;
  if (m) return 'line' in m ? { rewrite: m.line } : { obsolete: `${name} ${plugin}: v2 plugin built into sarra-ts (as in sr3), ignored` };
  // v2 kbytes_ps: a byte rate in KiB/s unless a unit is given
  if (name === 'kbytes_ps') return { rewrite: `byteRateMax ${/^\s*[\d.]+\s*$/.test(value) ? `${value.trim()}k` : value}` };
  return undefined;
}
