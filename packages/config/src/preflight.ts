// Checks of what a configuration names, run by lint and before anything starts: broker and transfer URL
// schemes, and the callback modules (loadable, and the options they declare), so nothing fails per message later.
import { splitHostList, type Env } from '@sarra/common';
import { applyPluginOptions, declaredOptions } from './plugin-options.js';
import { destfnScripts, noDestination, entryPointProblem, hasEntryPoint, importCallback, isNativeCallback, pluginDir, sr3Name } from './plugins.js';
import { BROKER_SCHEMES, MQTT_WS_SCHEMES, TRANSFER_SCHEMES, schemeOf } from './schemes.js';
import { callbackSettings, straySettings } from './settings.js';
import type { Diagnostic, Options } from './types.js';

const BROKERS = ['broker', 'post_broker', 'report_broker', 'admin', 'feeder'] as const;
const TRANSFERS = ['sendTo', 'pollUrl'] as const;

/** Hook names a component passes to the flow itself, accepted on callback lines of that component. */
const COMPONENT_HOOKS: Readonly<Record<string, readonly string[]>> = { report: ['report.log'] };

function at(o: Options, option: string, file: string): { file: string; line: number } {
  const where = o.origins[option];
  return { file: where?.file ?? file, line: where?.line ?? 0 };
}

/** Broker URLs must be amqp/amqps/mqtt/mqtts; sendTo and pollUrl must name a transfer sarra-ts has. */
export function checkSchemes(o: Options, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const say = (option: string, message: string, code: string): void => {
    out.push({ ...at(o, option, file), severity: 'error', option, code, message });
  };
  for (const b of BROKERS) {
    const url = o[b];
    const scheme = url ? schemeOf(url) : undefined;
    if (url && (b === 'admin' || b === 'feeder') && splitHostList(url).length > 1) {
      // sr declare and the user commands talk to one node (the management API of the first would be a guess)
      say(b, `${b}: a list of hosts is for broker, post_broker and report_broker; give ${b} one node of the cluster`, 'unsupported');
    }
    if (url && (scheme === 'mqtt' || scheme === 'mqtts') && splitHostList(url).length > 1) {
      say(b, `${b}: a list of hosts is for amqp(s) clusters; an MQTT broker URL names one host`, 'unsupported');
    }
    if (!scheme || BROKER_SCHEMES.includes(scheme)) continue;
    if (MQTT_WS_SCHEMES.includes(scheme)) say(b, `${b}: not supported by sarra-ts (MQTT over WebSocket: use mqtt:// or mqtts://)`, 'unsupported');
    else say(b, `${b}: '${scheme}:' is not a broker URL scheme (${BROKER_SCHEMES.join(', ')})`, 'check');
  }
  for (const t of TRANSFERS) {
    const url = o[t];
    const scheme = url ? schemeOf(url) : undefined;
    if (!scheme || TRANSFER_SCHEMES.includes(scheme)) continue;
    say(t, `${t}: not supported by sarra-ts (no ${scheme} transfers: sarra-ts transfers ${TRANSFER_SCHEMES.join(', ')})`, 'unsupported');
  }
  return out;
}

/**
 * True when a callback line of `o` names a module to load: not a natively provided sr3 callback, nor a hook the
 * component passes to the flow itself (`report.log`).
 */
export function isModuleCallback(o: Pick<Options, 'component'>, spec: string): boolean {
  return !isNativeCallback(spec) && !COMPONENT_HOOKS[o.component]?.includes(spec);
}

/**
 * Imports every callback module the configuration names (natively provided sr3 callbacks aside), and each
 * `filename DESTFNSCRIPT=<callback>` (sr3 loads it as a callback; it must have a `destfn`): one that is missing,
 * Python, or does not import is an error at its line. The options each module declares (its `options` export) are
 * taken out of `o.unknownOptions` into `o.pluginOptions`; returns those declared names too.
 * `set <callback>.<option>` lines are checked against the module they designate (a bad value, an option it does not
 * declare, or no such callback: an error at the `set` line).
 */
export async function checkCallbacks(o: Options, env: Env): Promise<{ diagnostics: Diagnostic[]; declared: Set<string> }> {
  const diagnostics: Diagnostic[] = [];
  const declared = new Set<string>();
  const dir = pluginDir(env);
  const modules: string[] = [], builtins: string[] = [];
  const lines = [...o.callback_prepend, ...o.callback];
  const scripts = destfnScripts(o);
  const none = noDestination(o);
  for (const d of none ? scripts : []) {
    diagnostics.push({ file: d.file, line: d.line, severity: 'error', option: 'filename', code: 'unsupported',
      message: `filename DESTFNSCRIPT=${d.spec}: never called in ${none}` });
  }
  for (const spec of [...lines, ...scripts.map((d) => d.spec).filter((s) => !lines.includes(s))]) {
    if (!isModuleCallback(o, spec)) {
      // sr3's nodupe.name / nodupe.data: the duplicate key is the file name / the identity alone
      const basis = /^nodupe\.(name|data)$/.exec(sr3Name(spec))?.[1];
      if (basis) o.nodupe_basis = basis;
      builtins.push(spec);
      continue;
    }
    modules.push(spec);
    const script = scripts.find((d) => d.spec === spec);
    const where = o.callbackOrigins[spec] ?? o.origins.callback ?? o.origins.callback_prepend;
    // a module only DESTFNSCRIPT= names is reported at that line
    const byLine = lines.includes(spec) || !script;
    const pos = byLine ? { file: where?.file ?? o.file ?? '', line: where?.line ?? 0 } : { file: script.file, line: script.line };
    const option = byLine ? 'callback' : 'filename';
    const say = (message: string): void => { diagnostics.push({ ...pos, severity: 'error', option, code: 'callback', message }); };
    const r = await importCallback(spec, dir);
    if ('problem' in r) {
      say(byLine ? r.problem : `filename DESTFNSCRIPT=${spec}: ${r.problem}`);
      continue;
    }
    const entry = entryPointProblem(r.mod, o);
    if (entry) say(`callback ${spec}: ${entry}`);
    if (script && !hasEntryPoint(r.mod, 'destfn')) {
      diagnostics.push({ file: script.file, line: script.line, severity: 'error', option: 'filename', code: 'callback',
        message: `filename DESTFNSCRIPT=${spec}: the module has no destfn entry point` });
    }
    const { decls, problem } = declaredOptions(r.mod);
    if (problem) say(`callback ${spec}: ${problem}`);
    for (const n of Object.keys(decls)) declared.add(n);
    diagnostics.push(...applyPluginOptions(o, decls));
    diagnostics.push(...callbackSettings(o, o.settings, spec, decls).problems);
  }
  diagnostics.push(...straySettings(o, modules, builtins));
  return { diagnostics, declared };
}
