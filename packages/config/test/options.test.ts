// The option table: every option parses its sr3 default, every synonym maps onto its option, per-component defaults.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COMPONENTS, OPTIONS, newParseState, optionsFromText, parseLine, resolveOption, type OptionSpec } from '@sarra/config';
import { defaultFor } from '../src/options.js';

/** How an operator would write a typed value in a config file. */
function textOf(spec: OptionSpec, v: unknown): string {
  if (v === undefined) return 'None';
  if (v instanceof Set) return v.size === 0 ? 'None' : [...v].join(',');
  if (Array.isArray(v)) return v.length === 0 ? 'None' : v.join(',');
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (spec.kind === 'octal') return (v as number).toString(8);
  return String(v);
}

/** Parse `name value` alone in a fresh state for `component`; returns the state. */
function parse(component: string, line: string): ReturnType<typeof newParseState> {
  const st = newParseState(component, 'test', { HOME: '/nonexistent' });
  parseLine(st, line, 'test.conf', 1);
  return st;
}

const NUMERIC = new Set(['count', 'size', 'duration', 'float', 'octal']);

describe('option table', () => {
  it('has unique names, a doc line and a known kind for every option', () => {
    const names = new Set<string>();
    for (const spec of OPTIONS) {
      assert.ok(!names.has(spec.name), `${spec.name} twice`);
      names.add(spec.name);
      assert.ok(spec.doc.length > 10, `${spec.name} has a doc line`);
      assert.ok(['count', 'size', 'duration', 'flag', 'float', 'list', 'set', 'str', 'octal', 'url'].includes(spec.kind));
    }
    assert.ok(OPTIONS.length >= 140, `table has ${OPTIONS.length} options`);
  });

  for (const spec of OPTIONS) {
    it(`${spec.name}: its sr3 default written in a config parses back to the default`, () => {
      const st = parse('flow', `${spec.name} ${textOf(spec, spec.default)}`);
      if (spec.honoured?.length === 0) {
        // refused whatever the value (MQTT-only options, metrics_writeInterval): nothing is set
        assert.deepEqual(st.diagnostics.map((d) => d.code), ['unsupported']);
        assert.ok(!(spec.name in st.origins));
        return;
      }
      assert.deepEqual(st.diagnostics, []);
      const got = st.values[spec.name];
      if (spec.default === undefined && NUMERIC.has(spec.kind)) assert.ok(!got, `${spec.name} None is off`);
      // load-time ${HOSTNAME} is expanded; ${RAND8} is kept for defaultQueueName
      else if (spec.name === 'queueShare') assert.match(String(got), /^\$\{USER\}_[^$]+_\$\{RAND8\}$/);
      else assert.deepEqual(got, spec.default);
    });
  }

  for (const spec of OPTIONS) {
    for (const syn of spec.synonyms) {
      it(`v2 synonym ${syn} sets ${spec.name}`, () => {
        const sample = spec.kind === 'flag' ? !(spec.default as boolean) : spec.default;
        const text = spec.kind === 'flag' ? textOf(spec, sample) : sampleText(spec);
        const a = parse('flow', `${spec.name} ${text}`);
        const b = parse('flow', `${syn} ${text}`);
        assert.equal(resolveOption(syn, 'flow')?.spec.name, spec.name);
        assert.deepEqual(b.values[spec.name], a.values[spec.name]);
        if (spec.unsupported) {
          // a value sarra-ts does not do is refused under either name, naming the name written
          assert.deepEqual(b.diagnostics.map((d) => [d.code, d.option]), [['unsupported', syn]]);
          assert.match(b.diagnostics[0]!.message, new RegExp(`^${syn}: not supported by sarra-ts \\(`));
          return;
        }
        assert.deepEqual(b.diagnostics, []);
        assert.ok(spec.name in b.origins, 'recorded as set');
      });
    }
  }

  it('inverted synonyms: no_download and notify_only mean download False', () => {
    for (const c of ['subscribe', 'sarra', 'sender']) {
      assert.equal(parse(c, 'no_download').values.download, false);
      assert.equal(parse(c, 'notify_only on').values.download, false);
      assert.equal(parse(c, 'notify_only off').values.download, true);
    }
  });

  it('destination is pollUrl in a poll and sendTo elsewhere', () => {
    const p = parse('poll', 'destination http://localhost:8090/');
    assert.equal(p.values.pollUrl, 'http://localhost:8090/');
    assert.equal(p.values.sendTo, undefined);
    const s = parse('sender', 'destination sftp://u@host/');
    assert.equal(s.values.sendTo, 'sftp://u@host/');
    assert.equal(s.values.pollUrl, undefined);
  });

  it('a broker line in a poll is read as post_broker', () => {
    const p = parse('poll', 'broker amqp://guest@localhost/');
    assert.equal(p.values.post_broker, 'amqp://guest@localhost/');
    assert.equal(p.values.broker, undefined);
  });

  it('v2 sum flags map to identity names', () => {
    const cases: [string, string][] = [
      ['d', 'md5'], ['s', 'sha512'], ['n', 'md5name'], ['0', 'random'], ['r', 'random'], ['a', 'arbitrary'],
      ['z,d', 'cod,md5'], ['z,s', 'cod,sha512'], ['cod,sha512', 'cod,sha512'], ['md5', 'md5'], ['None', 'none'],
    ];
    for (const [flag, want] of cases) {
      assert.equal(parse('flow', `sum ${flag}`).values.identity, want, `sum ${flag}`);
      assert.equal(parse('flow', `identity ${flag}`).values.identity, want, `identity ${flag}`);
    }
    assert.equal(parse('flow', 'sum q').diagnostics[0]?.message, "sum: unknown identity method 'q'");
  });

  it('nodupe_ttl: on = 300 s, off = 0, durations, and the v2 names', () => {
    assert.equal(parse('flow', 'nodupe_ttl on').values.nodupe_ttl, 300);
    assert.equal(parse('flow', 'suppress_duplicates').values.nodupe_ttl, 300);
    assert.equal(parse('flow', 'cache off').values.nodupe_ttl, 0);
    assert.equal(parse('flow', 'caching 7h').values.nodupe_ttl, 25200);
    assert.equal(parse('flow', 'no_duplicates 90').values.nodupe_ttl, 90);
  });

  it('v2 heartbeat is housekeeping, lock is inflight, on_message msg_log is logEvents +after_accept', () => {
    assert.equal(parse('flow', 'heartbeat 60').values.housekeeping, 60);
    assert.equal(parse('flow', 'lock .tmp').values.inflight, '.tmp');
    assert.equal(parse('flow', 'lock 10').values.inflight, 10);
    const st = newParseState('flow', 't', {});
    parseLine(st, 'logEvents None', 'f', 1);
    parseLine(st, 'on_message msg_log', 'f', 2);
    assert.deepEqual([...(st.values.logEvents as Set<string>)], ['after_accept']);
    assert.deepEqual(st.values.on_message, []);
  });

  it('per-component defaults (COMPAT §1)', () => {
    const d = (c: string, name: string): unknown => defaultFor(OPTIONS.find((s) => s.name === name)!, c);
    assert.equal(d('subscribe', 'mirror'), false);
    for (const c of ['sarra', 'sender', 'shovel', 'winnow']) assert.equal(d(c, 'mirror'), true);
    for (const c of ['shovel', 'post', 'report', 'subscribe', 'sarra']) assert.equal(d(c, 'nodupe_ttl'), 0);
    assert.equal(d('winnow', 'nodupe_ttl'), 300);
    assert.equal(d('winnow', 'logDuplicates'), true);
    assert.equal(d('poll', 'identity'), 'cod,sha512');
    assert.equal(d('poll', 'nodupe_ttl'), 7 * 3600);
    assert.equal(d('poll', 'fileAgeMax'), 30 * 86400);
    assert.equal(d('post', 'sleep'), -1);
    assert.equal(d('watch', 'sleep'), 5);
    assert.equal(d('subscribe', 'acceptUnmatched'), true);
    for (const c of ['subscribe', 'sarra', 'sender']) assert.equal(d(c, 'download'), true, c);
    for (const c of ['shovel', 'winnow', 'report', 'poll', 'post', 'watch', 'flow']) assert.equal(d(c, 'download'), false, c);
    for (const c of COMPONENTS) {
      for (const spec of OPTIONS) {
        for (const [comp, v] of Object.entries(spec.componentDefaults ?? {})) {
          assert.ok(COMPONENTS.includes(comp), `${spec.name}: component ${comp} exists`);
          if (comp !== c) continue;
          const st = parse(c, `${spec.name} ${textOf(spec, v)}`);
          assert.deepEqual(st.values[spec.name], v, `${c} ${spec.name} default parses`);
        }
      }
    }
  });

  it('values: sizes, counts, durations, octal, sets, lists and None', () => {
    assert.equal(parse('flow', 'inlineByteMax 4k').values.inlineByteMax, 4096);
    assert.equal(parse('flow', 'batch 1k').values.batch, 1000);
    assert.equal(parse('flow', 'expire 1.5h').values.expire, 5400);
    assert.equal(parse('flow', 'permDefault 0o644').values.permDefault, 0o644);
    assert.equal(parse('flow', 'chmod_dir 755').values.permDirDefault, 0o755);
    assert.equal(parse('flow', 'mirror').values.mirror, true);
    assert.equal(parse('flow', 'post_exchange None').values.post_exchange, undefined);
    const st = newParseState('watch', 't', {});
    parseLine(st, 'fileEvents -delete,-rmdir', 'f', 1);
    assert.deepEqual([...(st.values.fileEvents as Set<string>)].sort(), ['create', 'link', 'mkdir', 'modify']);
    parseLine(st, 'fileEvents create', 'f', 2);
    assert.deepEqual([...(st.values.fileEvents as Set<string>)], ['create']);
    parseLine(st, 'fileEvents all', 'f', 3);
    assert.equal((st.values.fileEvents as Set<string>).size, 6);
    parseLine(st, 'path /a /b', 'f', 4);
    parseLine(st, 'path /c', 'f', 5);
    assert.deepEqual(st.values.path, ['/a', '/b', '/c']);
    parseLine(st, 'path None', 'f', 6);
    assert.deepEqual(st.values.path, []);
    assert.equal(st.diagnostics.length, 0);
  });

  it('bad values are errors naming file:line and the option', () => {
    const cases: [string, RegExp][] = [
      ['expire soon', /not a duration/],
      ['batch many', /not a count: 'many' \(expected a whole number/],
      ['mirror maybe', /not a flag/],
      ['permDefault 0o999', /not an octal/],
      ['queueType lazy', /not one of classic, quorum/],
      ['broker localhost', /not a URL/],
      ['messageRateMax fast', /not a number/],
    ];
    for (const [line, re] of cases) {
      const st = parse('flow', line);
      assert.equal(st.diagnostics.length, 1, line);
      const d = st.diagnostics[0]!;
      assert.match(d.message, re);
      assert.equal(d.file, 'test.conf');
      assert.equal(d.line, 1);
      assert.equal(d.option, line.split(' ')[0]);
      assert.equal(d.severity, 'error');
    }
  });
});

/** A non-default sample value in config text, for synonym checks. */
function sampleText(spec: OptionSpec): string {
  switch (spec.kind) {
    case 'count': return '7';
    case 'size': return '3k';
    case 'duration': return '90';
    case 'float': return '2.5';
    case 'octal': return '640';
    case 'list': return 'alpha';
    case 'set': return spec.universe?.[0] ?? 'x';
    case 'url': return 'amqp://someone@example.invalid/';
    default:
      if (spec.choices) return spec.choices[spec.choices.length - 1]!;
      if (spec.name === 'identity') return 'md5';
      return 'sample';
  }
}

describe('Options', () => {
  it('has a value for every option of the table, so sr show lists them all', () => {
    for (const c of COMPONENTS) {
      const o = optionsFromText(c, '', { check: false }) as unknown as Record<string, unknown>;
      assert.deepEqual(OPTIONS.map((s) => s.name).filter((n) => !(n in o)), [], c);
    }
  });
});
