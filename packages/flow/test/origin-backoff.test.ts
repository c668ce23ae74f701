// Per-origin back-off: keyed by scheme://host:port, entered on a stall, one probe at a time, doubled, capped, reset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionLostError, Logger, TransientError } from '@sarra/common';
import { OriginBackoff, isStall, originOf } from '../src/origin-backoff.js';

function logger(): { log: Logger; lines: string[] } {
  const log = Logger.silent();
  const lines: string[] = [];
  log.warning = (m: string): void => { lines.push(`W ${m}`); };
  log.info = (m: string): void => { lines.push(`I ${m}`); };
  return { log, lines };
}

test('originOf: scheme, host and port, default ports filled in, user and path dropped', () => {
  assert.equal(originOf('http://user:pw@Example.org/a/b/'), 'http://example.org:80');
  assert.equal(originOf('https://example.org:8443/x'), 'https://example.org:8443');
  assert.equal(originOf('sftp://u@h/'), 'sftp://h:22');
  assert.equal(originOf('not a url'), 'not a url');
});

test('isStall: the deadline, a per-read timeout and a connect timeout, also as a cause; not other failures', () => {
  assert.ok(isStall(new TransientError('deadline exceeded after 4 s: /a', { code: 'ERR_DEADLINE' })));
  assert.ok(isStall(new TransientError('download /a: x', { cause: new TransientError('no data for 3 s', { code: 'ERR_TIMEOUT' }) })));
  assert.ok(isStall(Object.assign(new Error('connect'), { code: 'ETIMEDOUT' })));
  assert.ok(!isStall(new ConnectionLostError('refused')));
  assert.ok(!isStall(new TransientError('HTTP 503', { code: 'ERR_HTTP' })));
  assert.ok(!isStall(undefined));
});

test('a stall rests the origin; then one probe; a stalling probe doubles the rest (capped); success ends it; logged once per rest', () => {
  let now = 1_000_000;
  const { log, lines } = logger();
  const b = new OriginBackoff(log, () => now);
  const o = 'http://slow:80';
  assert.equal(b.admit(o, true), 'run');
  b.settle(o, 'run', 'stalled', 'deadline exceeded after 4 s: /a');
  // transfers started before the rest stall too: no second log line, no doubling
  b.settle(o, 'run', 'stalled', 'deadline exceeded after 4 s: /b');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^W origin http:\/\/slow:80 backed off 5 s: deadline exceeded after 4 s: \/a/);
  for (let i = 0; i < 100; i++) assert.equal(b.admit(o, i % 2 === 0), 'defer');
  now += 4_999;
  assert.equal(b.admit(o, false), 'defer', 'still resting');
  now -= 4_999;
  assert.equal(b.admit('http://other:80', true), 'run', 'other origins are not affected');
  assert.equal(b.nextEnd(), now + 5_000, 'the rest ends 5 s after the stall');
  now += 5_000;
  assert.equal(b.admit(o, false), 'run', 'scheduling lets it through without taking the probe');
  assert.equal(b.admit(o, true), 'probe');
  assert.equal(b.admit(o, true), 'defer', 'one probe at a time');
  assert.equal(b.admit(o, false), 'defer');
  b.settle(o, 'probe', 'stalled', 'again');
  assert.match(lines.at(-1)!, /backed off 10 s/);
  let delay = 10;
  for (let i = 0; i < 10; i++) {
    now += delay * 1000;
    assert.equal(b.admit(o, true), 'probe');
    b.settle(o, 'probe', 'stalled', 'again');
    delay = Math.min(delay * 2, 300);
    assert.match(lines.at(-1)!, new RegExp(`backed off ${delay} s`));
  }
  assert.equal(delay, 300, 'capped at 5 min');
  now += 300_000;
  assert.equal(b.admit(o, true), 'probe');
  b.settle(o, 'probe', 'ok');
  assert.match(lines.at(-1)!, /^I origin http:\/\/slow:80 answers again: back-off over \(\d+ notice\(s\) were deferred\)/);
  assert.equal(b.nextEnd(), undefined, 'no rest left');
  assert.equal(b.admit(o, true), 'run');
});

test('any success from a resting origin ends the rest; a probe answered with another failure ends it too', () => {
  let now = 0;
  const { log } = logger();
  const b = new OriginBackoff(log, () => now);
  b.settle('h', 'run', 'stalled', 'x');
  b.settle('h', 'run', 'ok');
  assert.equal(b.admit('h', true), 'run');
  b.settle('h', 'run', 'stalled', 'x');
  b.settle('h', 'run', 'other');
  assert.equal(b.admit('h', true), 'defer', 'a non-probe failure changes nothing');
  now += 5000;
  assert.equal(b.admit('h', true), 'probe');
  b.settle('h', 'probe', 'other');
  assert.equal(b.admit('h', true), 'run');
});
