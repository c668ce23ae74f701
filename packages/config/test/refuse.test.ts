// What lint and start refuse: unsupported options and values (with what sarra-ts does anyway accepted), unknown
// names with a "did you mean", broker and transfer schemes, callback modules and the options they declare.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '@sarra/common';
import { lintConfig, loadConfig, newParseState, optionsFromText, parseText } from '@sarra/config';
import { editDistance, suggestName } from '../src/suggest.js';
import { tempHome, type TempHome } from './home.js';

function diags(component: string, text: string): { line: number; code?: string; severity: string; message: string }[] {
  const st = newParseState(component, 'cfg', { HOME: '/nonexistent' });
  parseText(st, text, 'cfg.conf');
  return st.diagnostics.map((d) => ({ line: d.line, code: d.code, severity: d.severity, message: d.message }));
}

describe('unsupported options', () => {
  it('are refused at their line as `<option>: not supported by sarra-ts (<why>)`, under any of their names', () => {
    const d = diags('subscribe', 'accelThreshold 10M\naccel_scp_threshold 1M\nlogMetrics on\nflowMain subscribe\nimport foo.Bar\nreset on');
    assert.deepEqual(d.map((x) => [x.line, x.code, x.severity]), [1, 2, 3, 4, 5, 6].map((l) => [l, 'unsupported', 'error']));
    assert.match(d[0]!.message, /^accelThreshold: not supported by sarra-ts \(sarra-ts streams every transfer .*\)$/);
    assert.match(d[1]!.message, /^accel_scp_threshold: not supported by sarra-ts \(/);
    assert.match(d[3]!.message, /^flowMain: not supported by sarra-ts \(put the configuration under that component/);
    assert.match(d[5]!.message, /^reset: not supported by sarra-ts \(run `sr cleanup/);
  });

  it('accept the values that are what sarra-ts does anyway (their default, or the honoured ones)', () => {
    assert.deepEqual(diags('subscribe', 'accelThreshold 0\nlogJson off\nblockSize 1\nblocksize 0\nnodupe_driver disk\noutlet post\nbufsize 1m\non_message None'), []);
    assert.deepEqual(diags('subscribe', 'amqp_consumer on\nmessage_strategy stubborn\ntimezone UTC\nusers off'), []);
    assert.deepEqual(diags('subscribe', 'amqp_consumer off\nblockSize 4m\nnodupe_driver redis\noutlet json').map((x) => x.code),
      ['unsupported', 'unsupported', 'unsupported', 'unsupported']);
  });

  it('MQTT options: what the MQTT driver does is accepted, the rest refused; unsupported values of supported options', () => {
    assert.deepEqual(diags('subscribe', 'qos 1\nqos 0\nclean_session off\nreceiveMaximum 0'), []);
    assert.deepEqual(diags('subscribe', 'qos 2\nreceiveMaximum 10\nclean_session on').map((x) => x.message), [
      'qos: not supported by sarra-ts (QoS 2 is not implemented: use 1)',
      'receiveMaximum: not supported by sarra-ts (the MQTT receive maximum is prefetch)',
      'clean_session: not supported by sarra-ts (the MQTT session always persists (its expiry is expire))',
    ]);
    assert.deepEqual(diags('shovel', 'post_format v02\npost_format v03\npost_format wis'), []);
  });

  it('post_format wis posts under a WIS2 topic: any other post_topicPrefix or post_topic is refused at its line', () => {
    const base = 'broker amqp://u@h/\npost_broker amqp://u@h/\npost_exchange xpublic\npost_format wis\n';
    assert.throws(() => optionsFromText('shovel', base),
      (e: unknown) => e instanceof ConfigError && /:4: post_format wis: post_topicPrefix 'v03' is not a WIS2 topic/.test(e.message));
    assert.throws(() => optionsFromText('shovel', base + 'post_topic v03.x'),
      (e: unknown) => e instanceof ConfigError && /:5: post_format wis: post_topic 'v03.x' is not a WIS2 topic/.test(e.message));
    for (const t of ['origin.a.wis2.ca-eccc-msc.data.core.weather', 'cache/a/wis2/de-dwd/data']) {
      assert.equal(optionsFromText('shovel', base + `post_topicPrefix ${t}`).post_format, 'wis');
    }
  });

  it('post_format wis on an MQTT post_broker: a post_exchange (never a level of a WIS2 topic) is refused at its line', () => {
    const base = 'broker amqp://u@h/\npost_broker mqtt://u@h\npost_format wis\npost_topicPrefix origin.a.wis2.ca-x.data\n';
    assert.equal(optionsFromText('shovel', base).post_format, 'wis');
    assert.throws(() => optionsFromText('shovel', base + 'post_exchange xpublic'),
      (e: unknown) => e instanceof ConfigError && /:5: post_exchange: not used by post_format wis on an MQTT broker/.test(e.message));
  });

  it('logFormat fields sarra-ts cannot fill and a logSyslog it cannot reach are refused at their line; the others are kept', () => {
    const d = diags('subscribe', 'logFormat %(asctime)s %(message)s\nlogFormat %(funcName)s %(message)s\nlogSyslog /dev/log\nlogSyslog tcp://h\nlogJson on');
    assert.deepEqual(d.map((x) => [x.line, x.severity]), [[2, 'error'], [4, 'error']]);
    assert.match(d[0]!.message, /%\(funcName\) cannot be filled by sarra-ts/);
    assert.match(d[1]!.message, /logSyslog: tcp:\/\/h: give a socket path/);
  });

  it('a refused line sets nothing (sr show shows what runs)', () => {
    const st = newParseState('subscribe', 'cfg', {});
    parseText(st, 'logMetrics on\nblockSize 4m', 'cfg.conf');
    assert.equal(st.values.logMetrics, false);
    assert.equal(st.values.blockSize, 0);
    assert.ok(!('logMetrics' in st.origins));
  });
});

describe('unknown names', () => {
  it('get the nearest known name: case, underscores and small typos', () => {
    assert.equal(suggestName('Mirror'), 'mirror');
    assert.equal(suggestName('mirrror'), 'mirror');
    assert.equal(suggestName('post_base_Url'), 'post_baseUrl');
    assert.equal(suggestName('acceptUnmatch'), 'acceptUnmatched', 'a synonym suggests the sr3 name');
    assert.equal(suggestName('no_downlaod'), 'no_download', 'an inverted synonym suggests itself');
    assert.equal(suggestName('frobnicate'), undefined);
    assert.equal(suggestName('counter_limt', ['counter_limit']), 'counter_limit');
    assert.equal(editDistance('kitten', 'sitting', 5), 3);
    assert.equal(editDistance('abc', 'abcdefgh', 2), 3, 'bounded');
  });

  it('are errors at their line with the suggestion', () => {
    assert.deepEqual(diags('subscribe', 'topic_prefx v02.post\nfrobnicate 1').map((x) => [x.line, x.code, x.message]), [
      [1, 'unknown-option', "unknown option 'topic_prefx' (did you mean 'topicPrefix'?)"],
      [2, 'unknown-option', "unknown option 'frobnicate'"],
    ]);
  });
});

describe('what a configuration names', () => {
  it('broker schemes: amqp, amqps, mqtt, mqtts; MQTT over WebSocket refused; anything else is not a broker', () => {
    const bad = (text: string): string => {
      try {
        optionsFromText('shovel', text);
        return '';
      } catch (e: unknown) {
        return (e as Error).message;
      }
    };
    assert.equal(bad('broker amqps://u@h/\npost_broker amqp://u@h/'), '');
    assert.equal(bad('broker mqtts://u@h/\npost_broker mqtt://u@h/'), '');
    assert.match(bad('broker mqttws://u@h/\npost_broker amqp://u@h/'), /shovel\/test\.conf:1: broker: not supported by sarra-ts \(MQTT over WebSocket/);
    assert.match(bad('broker amqp://u@h/\npost_broker http://u@h/'), /:2: post_broker: 'http:' is not a broker URL scheme \(amqp, amqps, mqtt, mqtts\)/);
  });

  it('transfer schemes of sendTo and pollUrl: what the transfer registry opens', () => {
    assert.doesNotThrow(() => optionsFromText('sender', 'broker amqp://u@h/\nsendTo sftp://u@h/'));
    assert.throws(() => optionsFromText('sender', 'broker amqp://u@h/\nsendTo s3://u@h/'),
      (e: unknown) => e instanceof ConfigError && e.line === 2 && /sendTo: not supported by sarra-ts \(no s3 transfers/.test(e.message));
    assert.throws(() => optionsFromText('poll', 'post_broker amqp://u@h/\npollUrl s3://bucket/\npath /'), /pollUrl: not supported by sarra-ts \(no s3/);
  });
});

describe('callback modules', () => {
  let h: TempHome;
  before(async () => {
    h = await tempHome({ 'credentials.conf': 'amqp://guest:guest@localhost/\n' });
    await h.write('plugins/ok.mjs', 'export const options = { ok_level: { kind: "str", default: "low" } };\nexport default { name: "ok" };\n');
    await h.write('plugins/sr3/Legacy.py', 'class Legacy: pass\n');
    await h.write('plugins/broken.mjs', 'export default {;\n');
    await h.write('plugins/badopts.mjs', 'export const options = { x: { kind: "number" } };\nexport default { name: "badopts" };\n');
  });
  after(() => h.cleanup());

  const conf = (lines: string[]): string => ['broker amqp://guest@localhost/', ...lines, 'accept .*', ''].join('\n');

  it('natively provided sr3 callbacks load nothing; a module found and importing is fine, its options known', async () => {
    await h.write('subscribe/a.conf', conf(['callback log', 'callback sarracenia.flowcb.nodupe.disk.Disk', 'callback_prepend ok', 'ok_level high']));
    assert.deepEqual(await lintConfig('subscribe', 'a', { env: h.env }), []);
    assert.deepEqual((await loadConfig('subscribe', 'a', { env: h.env })).pluginOptions, { ok_level: 'high' });
  });

  it('missing, Python, not importing, or declaring options badly: an error at the callback line', async () => {
    await h.write('subscribe/b.conf', conf(['callback nosuch', 'callback sr3.Legacy', 'callback broken', 'callback badopts']));
    const d = await lintConfig('subscribe', 'b', { env: h.env });
    assert.deepEqual(d.map((x) => [x.line, x.code]), [[2, 'callback'], [3, 'callback'], [4, 'callback'], [5, 'callback']]);
    assert.match(d[0]!.message, /^callback nosuch: no such plugin module \(looked in .*plugins\)$/);
    assert.match(d[1]!.message, /^callback sr3\.Legacy: .*Legacy\.py is a Python \(sr3\) plugin; port it to a JS\/TS module$/);
    assert.match(d[2]!.message, /^callback broken: .*broken\.mjs did not load: /);
    assert.match(d[3]!.message, /^callback badopts: option x: kind must be one of count, size/);
  });
});

describe('vip', () => {
  it('is taken by every consuming component and poll; refused at its line for post and watch, which would ignore it', () => {
    for (const c of ['subscribe', 'sarra', 'shovel', 'winnow', 'sender', 'report', 'flow']) {
      const extra = c === 'sender' ? 'sendTo sftp://h/\n' : '';
      const o = optionsFromText(c, `broker amqp://u@h/\npost_broker amqp://u@h/\n${extra}vip 127.0.0.2`);
      assert.deepEqual(o.vip, ['127.0.0.2']);
    }
    for (const c of ['post', 'watch']) {
      assert.throws(() => optionsFromText(c, 'post_broker amqp://u@h/\npath /tmp\nvip 127.0.0.2'),
        (e: unknown) => e instanceof ConfigError && /:3: vip: not supported by sarra-ts for /.test(e.message));
    }
  });
});
