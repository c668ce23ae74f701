// From parsed values to typed Options: v2 compatibility moves, derived defaults, whole-config checks.
import type { Credentials } from './credentials.js';
import { checkNoticeTrust } from './check-trust.js';
import { defaultExchange, brokerUser } from './derive.js';
import { CONSUMERS, PRODUCERS } from './options.js';
import type { ParseState } from './parse.js';
import type { Diagnostic, Options } from './types.js';

/**
 * Build Options from a parse state. Applies, in order: post/watch/poll `broker`/`exchange` read as the
 * post side (v2), debug/warn log levels, post_topicPrefix = topicPrefix, post_format from it,
 * retry_ttl = expire, numeric inflight = fileAgeMin, poll post_baseUrl = pollUrl and legacy
 * `sleep > 1` = scheduled_interval, the default subscribe exchange.
 */
export function resolveOptions(st: ParseState, credentials: Credentials, file?: string): Options {
  const v: Record<string, unknown> = { ...st.values };
  const set = (k: string): boolean => k in st.origins;
  if (PRODUCERS.includes(st.component)) {
    if (v.broker && !v.post_broker) {
      v.post_broker = v.broker;
      v.broker = undefined;
    }
    if (set('exchange') && !v.post_exchange) v.post_exchange = v.exchange;
  }
  if (v.logLevel === 'warn') v.logLevel = 'warning';
  if (v.post_topicPrefix === undefined) v.post_topicPrefix = v.topicPrefix;
  if (v.post_format === undefined) v.post_format = String(v.post_topicPrefix).startsWith('v02') ? 'v02' : 'v03';
  if (v.retry_ttl === undefined) v.retry_ttl = v.expire;
  if (typeof v.inflight === 'number' && !set('fileAgeMin')) v.fileAgeMin = v.inflight;
  if (st.component === 'poll') {
    if (v.post_baseUrl === undefined) v.post_baseUrl = v.pollUrl;
    const scheduled = set('scheduled_interval') || (v.scheduled_hour as string[]).length > 0 ||
      (v.scheduled_minute as string[]).length > 0 || (v.scheduled_time as string[]).length > 0;
    if (!scheduled && (v.sleep as number) > 1) v.scheduled_interval = v.sleep;
  }
  if (!set('exchange') || !v.exchange) {
    v.exchange = defaultExchange(brokerUser(v.broker as string | undefined), v.exchangeSuffix as string | undefined);
  }
  return {
    ...(v as unknown as Options),
    component: st.component,
    config: st.config,
    file,
    masks: st.masks,
    bindings: st.bindings,
    subtopicNone: st.subtopicNone,
    declared: st.declared,
    headers: st.headers,
    settings: st.settings,
    settingOrigins: st.settingOrigins,
    unknownOptions: st.unknownOptions,
    origins: st.origins,
    callbackOrigins: st.callbackOrigins,
    pluginOptions: {},
    credentials,
  };
}

/** A WIS2 topic (WIS2 topic hierarchy): channel origin or cache, version a, wis2, then the centre and on; '.' or '/' separated. */
const WIS2_TOPIC = /^(origin|cache)([./])a\2wis2\2[^./#*+]+/;

/** Whole-configuration checks (no line of their own: reported at the main file, line 0). */
export function checkOptions(o: Options, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (message: string, option: string, severity: 'error' | 'warning' = 'error'): void => {
    const at = o.origins[option];
    out.push({ file: at?.file ?? file, line: at?.line ?? 0, message, severity, option, code: 'check' });
  };
  if (CONSUMERS.includes(o.component) && !o.broker) err(`broker: missing (mandatory for ${o.component})`, 'broker');
  if (PRODUCERS.includes(o.component) && !o.post_broker) err(`post_broker: missing (mandatory for ${o.component})`, 'post_broker');
  if (o.component === 'sender' && !o.sendTo) err('sendTo: missing (mandatory for sender)', 'sendTo');
  if (o.component === 'poll' && !o.pollUrl) err('pollUrl: missing (mandatory for poll)', 'pollUrl');
  if (o.component === 'poll' && o.path.length === 0) err('path: no remote directory to poll', 'path', 'warning');
  // vip gates every broker-consuming component and poll; a one-shot post or a watch would ignore it
  if ((o.component === 'post' || o.component === 'watch') && o.vip.length) {
    err(`vip: not supported by sarra-ts for ${o.component} (only consuming components and poll take turns on a vip)`, 'vip');
  }
  for (const b of ['broker', 'post_broker', 'report_broker', 'admin', 'feeder'] as const) {
    const url = o[b];
    if (url && !o.credentials.lookup(url)) {
      err(`${b}: no password for ${url} in credentials.conf`, b, 'warning');
    }
  }
  const wisTopic = o.post_topic ?? o.post_topicPrefix;
  if (String(o.post_format).toLowerCase() === 'wis' && o.post_broker && !WIS2_TOPIC.test(String(wisTopic))) {
    const which = o.post_topic !== undefined ? 'post_topic' : 'post_topicPrefix';
    err(`post_format wis: ${which} '${String(wisTopic)}' is not a WIS2 topic (origin.a.wis2.<centre-id>... or cache.a.wis2.<centre-id>...)`,
      o.origins[which] ? which : 'post_format');
  }
  // on MQTT the exchange is a topic level, and a WIS2 topic starts at the root: a post_exchange given would be ignored
  if (String(o.post_format).toLowerCase() === 'wis' && /^mqtts?:/i.test(String(o.post_broker ?? '')) && o.origins.post_exchange) {
    err('post_exchange: not used by post_format wis on an MQTT broker (a WIS2 notification message goes on its WIS2 topic from the root, origin/a/wis2/...): remove it', 'post_exchange');
  }
  out.push(...checkQueueType(o, file));
  out.push(...checkNoticeTrust(o, file));
  const name = o.queueName;
  const user = brokerUser(o.broker);
  if (name && user && !name.startsWith(`q_${user}`)) {
    err(`queueName: '${name}' does not start with q_${user} (broker permissions expect it)`, 'queueName', 'warning');
  }
  return out;
}

/**
 * queueType: RabbitMQ refuses a quorum or stream queue that is not durable or auto-deletes (406); a stream has no
 * competing consumers (every instance would receive every notice), so it takes one instance.
 */
function checkQueueType(o: Options, file: string): Diagnostic[] {
  const type = o.queueType;
  if (type === 'classic' || !CONSUMERS.includes(o.component)) return [];
  const out: Diagnostic[] = [];
  const say = (option: string, message: string): void => {
    const at = o.origins[option] ?? o.origins.queueType;
    out.push({ file: at?.file ?? file, line: at?.line ?? 0, message, severity: 'error', option, code: 'check' });
  };
  if (!o.durable && 'durable' in o.origins) say('durable', `durable: off contradicts queueType ${type} (such queues are always durable)`);
  if (o.auto_delete) say('auto_delete', `auto_delete: on contradicts queueType ${type} (such queues never auto-delete)`);
  if (type === 'stream' && o.instances > 1) {
    say('instances', `instances: ${o.instances} with queueType stream: every instance would receive every notice (a stream has no competing consumers); use one instance, or queueType quorum to share the work`);
  }
  return out;
}
