// Checks of what a configuration names, run by lint and before anything starts: broker and transfer URL
// schemes, and the callback modules (loadable, and the options they declare), so nothing fails per message later.
import { splitHostList, type Env } from '@sarra/common';
import { applyPluginOptions, declaredOptions } from './plugin-options.js';
import { entryPointProblem, importCallback, isNativeCallback, pluginDir, sr3Name } from './plugins.js';
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
 * Imports every callback module the configuration names (natively provided sr3 callbacks aside): one that
 * is missing, Python, or does not import is an error at its line. The options each module declares (its
 * `options` export) are taken out of `o.unknownOptions` into `o.pluginOptions`; returns those declared names too.
 * `set <callback>.<option>` lines are checked against the module they designate (a bad value, an option it does not
 * declare, or no such callback: an error at the `set` line).
 */
export async function checkCallbacks(o: Options, env: Env): Promise<{ diagnostics: Diagnostic[]; declared: Set<string> }> {
  const diagnostics: Diagnostic[] = [];
  const declared = new Set<string>();
  const dir = pluginDir(env);
  const modules: string[] = [], builtins: string[] = [];
  for (const spec of [...o.callback_prepend, ...o.callback]) {
    if (isNativeCallback(spec) || COMPONENT_HOOKS[o.component]?.includes(spec)) {
      // sr3's nodupe.name / nodupe.data: the duplicate key is the file name / the identity alone
      const basis = /^nodupe\.(name|data)$/.exec(sr3Name(spec))?.[1];
      if (basis) o.nodupe_basis = basis;
      builtins.push(spec);
      continue;
    }
    modules.push(spec);
    const where = o.callbackOrigins[spec] ?? o.origins.callback ?? o.origins.callback_prepend;
    const pos = { file: where?.file ?? o.file ?? '', line: where?.line ?? 0 };
    const r = await importCallback(spec, dir);
    if ('problem' in r) {
      diagnostics.push({ ...pos, severity: 'error', option: 'callback', code: 'callback', message: r.problem });
      continue;
    }
    const entry = entryPointProblem(r.mod);
    if (entry) diagnostics.push({ ...pos, severity: 'error', option: 'callback', code: 'callback', message: `callback ${spec}: ${entry}` });
    const { decls, problem } = declaredOptions(r.mod);
    if (problem) diagnostics.push({ ...pos, severity: 'error', option: 'callback', code: 'callback', message: `callback ${spec}: ${problem}` });
    for (const n of Object.keys(decls)) declared.add(n);
    diagnostics.push(...applyPluginOptions(o, decls));
    diagnostics.push(...callbackSettings(o, o.settings, spec, decls).problems);
  }
  diagnostics.push(...straySettings(o, modules, builtins), ...destfnScripts(o));
  return { diagnostics, declared };
}

/** sr3's `DESTFNSCRIPT=<callback>` in a `filename` (option or accept line): no destfn entry point is called yet, so refused. */
function destfnScripts(o: Options): Diagnostic[] {
  const out: Diagnostic[] = [];
  const refuse = (file: string, line: number): void => {
    out.push({ file, line, severity: 'error', option: 'filename', code: 'unsupported',
      message: 'filename DESTFNSCRIPT=: not supported by sarra-ts yet (no destfn entry point): use accept.rename or a plugin setting newFile in afterAccept' });
  };
  if (o.filename?.includes('DESTFNSCRIPT=')) refuse(at(o, 'filename', o.file ?? '').file, at(o, 'filename', o.file ?? '').line);
  // a mask without its own filename carries the option's: refused once, at the option's line
  for (const m of o.masks) if (m.filename?.includes('DESTFNSCRIPT=') && m.filename !== o.filename) refuse(m.file ?? o.file ?? '', m.line ?? 0);
  return out;
}
