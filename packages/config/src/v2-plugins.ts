// v2 plugins (on_message, on_file, plugin, do_send, ... lines) and what each is in sarra-ts: the one table lint's
// refusal of a v2 line and `sr convert` both read. Facts from sr3's own convert (sarracenia/config.py
// `convert_to_v3`, sr.py `convert`) and its porting guide (docs How2Guides/v2ToSr3.rst, "Table of v2 and sr3
// Equivalents"); what sarra-ts provides built in decides the rest.
import { isBuiltinPlugin } from './plugins.js';

/** How one v2 plugin converts. */
export type PluginFate =
  /** A built-in of sarra-ts does it: the line becomes `line`. */
  | { kind: 'option'; line: string; why: string }
  /** sarra-ts does it without being asked (an option, or always): the line goes. */
  | { kind: 'builtin'; why: string }
  /** sr3 dropped it as obsolete: the line goes. */
  | { kind: 'obsolete'; why: string }
  /** sr3 ported it as a flow callback, sarra-ts has no built-in: `callback <sr3>`, to be ported to JS. */
  | { kind: 'callback'; sr3: string };

const obsolete = (why = 'obsolete in sr3, dropped as sr3 convert does'): PluginFate => ({ kind: 'obsolete', why });
const builtin = (why: string): PluginFate => ({ kind: 'builtin', why });
const callback = (sr3: string): PluginFate => ({ kind: 'callback', sr3 });

/** v2 plugin name (file name without `.py`) -> its fate, whatever hook line names it. */
const PLUGINS: ReadonlyMap<string, PluginFate> = new Map<string, PluginFate>([
  // loggers: sr3's log callback, in sarra-ts the logEvents option (sr3 maps msg_log, msg_rawlog, post_log so)
  ['msg_log', { kind: 'option', line: 'logEvents +after_accept', why: "sr3's log callback: logEvents" }],
  ['msg_rawlog', { kind: 'option', line: 'logEvents +after_accept', why: "sr3's log callback: logEvents" }],
  ['file_log', { kind: 'option', line: 'logEvents +after_work', why: "sr3's log callback: logEvents" }],
  ['post_log', { kind: 'option', line: 'logEvents +after_work', why: "sr3's log callback: logEvents (sr3 maps it so)" }],
  ['hb_log', { kind: 'option', line: 'logEvents +on_housekeeping', why: "sr3's log callback: logEvents" }],
  // built into sr3 and sarra-ts
  ['hb_memory', builtin('built in: MemoryMax / MemoryMultiplier (sr3 housekeeping.resources)')],
  ['hb_cache', builtin('built in: nodupe_ttl duplicate suppression')],
  ['hb_retry', builtin('built in: the retry queues')],
  ['post_rate_limit', builtin('built in: messageRateMax (post_rate_limit is its v2 name)')],
  ['msg_stopper', builtin('built in: messageCountMax')],
  ['accel_wget', builtin('built in: accelThreshold with accelWgetCommand')],
  ['accel_scp', builtin('built in: accelThreshold with accelScpCommand')],
  ['accel_cp', builtin('built in: accelThreshold with accelCpCommand')],
  // statistics and debugging plugins sr3 dropped (sr status / metrics report the counts)
  ...['msg_total', 'msg_total_save', 'post_total', 'post_total_save', 'file_total', 'msg_by_source', 'msg_by_user',
    'msg_download', 'msg_dump', 'msg_from_cluster', 'msg_stdfiles', 'msg_overwrite_sum', 'msg_gts2wistopic', 'to',
  ].map((n): [string, PluginFate] => [n, obsolete()]),
  // ported by sr3 as flow callbacks (Python); sarra-ts has none of them built in
  ['msg_fdelay', callback('filter.fdelay')],
  ['msg_pclean_f90', callback('filter.pclean_f90.PClean_F90')],
  ['msg_pclean_f92', callback('filter.pclean_f92.PClean_F92')],
  ['msg_delete', callback('filter.deleteflowfiles.DeleteFlowFiles')],
  ['msg_print_lag', callback('accept.printlag.PrintLag')],
  ['msg_replace_new_dir', callback('accept.pathreplace')],
  ['msg_skip_old', callback('accept.skipold.SkipOld')],
  ['msg_test_retry', callback('accept.testretry.TestRetry')],
  ['msg_to_clusters', callback('accept.toclusters.ToClusters')],
  ['msg_save', callback('accept.save')],
  ['msg_2localfile', callback('accept.tolocalfile.ToLocalFile')],
  ['msg_2http', callback('accept.tohttp')],
  ['msg_2local', callback('accept.tolocal')],
  ['msg_rename_whatfn', callback('accept.renamewhatfn.RenameWhatFn')],
  ['msg_rename_dmf', callback('accept.renamedmf.RenameDMF')],
  ['msg_rename4jicc', callback('accept.rename4jicc.Rename4Jicc')],
  ['msg_hour_tree', callback('accept.hourtree.HourTree')],
  ['msg_renamer', callback('accept.renamer.Renamer')],
  ['msg_http_to_https', callback('accept.httptohttps.HttpToHttps')],
  ['msg_speedo', callback('accept.speedo.Speedo')],
  ['msg_WMO_type_suffix', callback('accept.wmotypesuffix.WmoTypeSuffix')],
  ['msg_sundew_pxroute', callback('accept.sundewpxroute.SundewPxRoute')],
  ['msg_delay', callback('accept.messagedelay.MessageDelay')],
  ['msg_download_baseurl', callback('accept.downloadbaseurl.DownloadBaseUrl')],
  ['msg_filter_wmo2msc', callback('filter.wmo2msc.Wmo2Msc')],
  ['wmo2msc', callback('filter.wmo2msc.Wmo2Msc')],
  ['post_hour_tree', callback('accept.posthourtree.PostHourTree')],
  ['post_long_flow', callback('accept.longflow.LongFLow')],
  ['post_override', callback('accept.postoverride.PostOverride')],
  ['file_age', callback('work.age')],
  ['file_delete', callback('work.delete')],
  ['file_rxpipe', callback('work.rxpipe')],
  ['file_email', callback('send.email')],
  ['poll_email', callback('poll.mail')],
  ['poll_nexrad', callback('poll.nexrad')],
]);

/** The plugin name a v2 line names: its first word, without directories and `.py`. */
export function pluginName(value: string): string {
  const first = value.trim().split(/\s+/)[0] ?? '';
  return first.replace(/^.*\//, '').replace(/\.py$/, '');
}

/** The fate of a v2 plugin, or undefined when sr3 knows no conversion for it (manual conversion). */
export function pluginFate(name: string): PluginFate | undefined {
  return PLUGINS.get(name);
}

/**
 * What a refused v2 plugin line can become in sarra-ts, for its error message: the option or built-in plugin that
 * does the same, what makes it needless, or sr3's ported callback to write in JS; '' when the table knows nothing.
 */
export function v2Equivalent(value: string): string {
  const fate = pluginFate(pluginName(value));
  if (!fate) return '';
  if (fate.kind === 'option') return `; sarra-ts equivalent: ${fate.line}`;
  if (fate.kind === 'builtin' || fate.kind === 'obsolete') return `; not needed: ${fate.why}`;
  if (isBuiltinPlugin(fate.sr3)) return `; sarra-ts equivalent: callback ${fate.sr3}`;
  return `; sr3 ported it as callback ${fate.sr3}`;
}
