// Selection of configurations by `component/config` globs, and the v2 command mapping.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globToRegExp, selectConfigs } from '../src/select.js';
import { v2Argv } from '../src/cli.js';
import { parseInstanceArgv } from '../src/processes.js';

const COMPONENTS = ['subscribe', 'sarra', 'sender', 'post'];
const ALL = [
  { component: 'sarra', config: 'download' }, { component: 'subscribe', config: 'amqp' }, { component: 'subscribe', config: 'polled' },
  { component: 'sender', config: 'foo' }, { component: 'subscribe', config: 'foo' },
];
const names = (r: { component: string; config: string }[]) => r.map((c) => `${c.component}/${c.config}`);

test('no pattern selects everything', () => {
  assert.deepEqual(selectConfigs(ALL, [], COMPONENTS).selected, ALL);
});

test('component/* and */name globs, bare component, bare config, .conf suffix', () => {
  assert.deepEqual(names(selectConfigs(ALL, ['subscribe/*'], COMPONENTS).selected), ['subscribe/amqp', 'subscribe/polled', 'subscribe/foo']);
  assert.deepEqual(names(selectConfigs(ALL, ['*/foo'], COMPONENTS).selected), ['sender/foo', 'subscribe/foo']);
  assert.deepEqual(names(selectConfigs(ALL, ['sarra'], COMPONENTS).selected), ['sarra/download']);
  assert.deepEqual(names(selectConfigs(ALL, ['polled'], COMPONENTS).selected), ['subscribe/polled']);
  assert.deepEqual(names(selectConfigs(ALL, ['subscribe/p?lled.conf'], COMPONENTS).selected), ['subscribe/polled']);
  assert.deepEqual(names(selectConfigs(ALL, ['s[ae]*/[fd]*'], COMPONENTS).selected), ['sarra/download', 'sender/foo']);
});

test('each configuration once; unmatched patterns reported', () => {
  const r = selectConfigs(ALL, ['subscribe/foo', '*/foo', 'nope/x'], COMPONENTS);
  assert.deepEqual(names(r.selected), ['sender/foo', 'subscribe/foo']);
  assert.deepEqual(r.unmatched, ['nope/x']);
});

test('glob metacharacters of regexes are literal', () => {
  assert.ok(globToRegExp('a.b').test('a.b'));
  assert.ok(!globToRegExp('a.b').test('axb'));
  assert.ok(!globToRegExp('a*').test('a/b'));
});

test('v2 commands map to sr actions', () => {
  assert.deepEqual(v2Argv('subscribe', ['start', 'foo']), ['start', 'subscribe/foo']);
  assert.deepEqual(v2Argv('subscribe', ['stop', 'foo.conf', 'bar']), ['stop', 'subscribe/foo', 'subscribe/bar']);
  assert.deepEqual(v2Argv('sarra', ['status']), ['status', 'sarra/*']);
  assert.deepEqual(v2Argv('sender', ['-debug', 'foreground', 'x']), ['--debug', 'foreground', 'sender/x']);
  assert.deepEqual(v2Argv('post', ['-c', 'mine', '/tmp/a', '/tmp/b']), ['post', '-c', 'mine', '/tmp/a', '/tmp/b']);
});

test('instance processes are recognised from their command line', () => {
  assert.deepEqual(parseInstanceArgv(['/usr/bin/node', '/r/packages/sr/dist/instance.js', 'subscribe', 'x', '3']),
    { component: 'subscribe', config: 'x', instance: 3, argv: ['/usr/bin/node', '/r/packages/sr/dist/instance.js', 'subscribe', 'x', '3'] });
  assert.equal(parseInstanceArgv(['node', '--import', 'tsx', '/r/packages/sr/src/instance.ts', 'sarra', 'y', '1'])?.config, 'y');
  assert.equal(parseInstanceArgv(['node', '/r/packages/other/instance.js', 'a', 'b', '1']), undefined);
});
