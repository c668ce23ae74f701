// `sr show`: Options as a plain object with sr3 names (sets as arrays, masks and bindings readable, no secrets).
import { redact } from '@sarra/common';
import { defaultQueueName } from './derive.js';
import { CONSUMERS, OPTIONS } from './options.js';
import type { Options } from './types.js';

function plain(v: unknown): unknown {
  if (v instanceof Set) return [...v].sort();
  if (typeof v === 'string') return redact(v);
  return v;
}

/** Plain object for YAML/JSON output: every option of the table plus masks, bindings and free-form parts. */
export function showOptions(o: Options): Record<string, unknown> {
  const rec = o as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = { component: o.component, config: o.config, file: o.file };
  for (const spec of OPTIONS) {
    if (spec.name === 'subtopic') continue;
    out[spec.name] = plain(rec[spec.name]);
  }
  // a consumer's queue as sr3 shows it: the derived q_<brokerUser>.<component>.<config>.<queueShare>, with the
  // ${RAND8} part left as written (drawn at the first start and kept in the state directory)
  if (out.queueName === undefined && CONSUMERS.includes(o.component) && o.broker) out.queueName = defaultQueueName(o, '${RAND8}');
  out.subtopic = o.subtopicNone ? 'None' : o.subtopic;
  out.bindings = o.bindings.map((b) => ({ ...b }));
  out.masks = o.masks.map((m) => ({
    [m.accept ? 'accept' : 'reject']: m.pattern,
    directory: m.directory, mirror: m.mirror, strip: m.strip, flatten: m.flatten,
    ...(m.rename !== undefined ? { rename: m.rename } : {}),
    ...(m.baseDir !== undefined ? { baseDir: m.baseDir } : {}),
    ...(m.filename !== undefined ? { filename: m.filename } : {}),
    at: `${m.file}:${m.line}`,
  }));
  out.declared = o.declared;
  out.headers = o.headers;
  out.settings = o.settings;
  // options the configuration's callbacks declare, typed as they run
  out.pluginOptions = Object.fromEntries(Object.entries(o.pluginOptions).map(([k, v]) => [k, plain(v)]));
  out.unknownOptions = Object.fromEntries(Object.entries(o.unknownOptions).map(([k, v]) => [k, v.value]));
  return out;
}
