// `sr convert`: which lines name v2 plugins and sr3 callbacks; what each v2 plugin becomes is @sarra/config's
// table (pluginFate, v2-plugins.ts), the one lint's refusal of a v2 line reads too.

/** Lines naming v2 plugins: each hook, `plugin` (a class with any hooks) and sr3's other v2-only hooks. */
export const V2_PLUGIN_KEYS: ReadonlySet<string> = new Set([
  'plugin', 'on_message', 'on_file', 'on_post', 'on_heartbeat', 'on_start', 'on_stop', 'on_part', 'on_line',
  'on_html_page', 'on_watch', 'on_report', 'do_send', 'do_download', 'do_poll', 'do_get', 'do_put', 'do_task',
  'do_data', 'destfn_script',
]);

/** sr3 callback lines (a Python class to load). */
export const CALLBACK_KEYS: ReadonlySet<string> = new Set(['callback', 'callback_prepend', 'flowcb', 'flowCallback', 'flowCallbackPrepend']);
