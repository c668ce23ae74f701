// sr3's command-line options (issue 19 items 4, 10): overrides split from argv by the option table, sr_<component> argv.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { overrideArgs, splitOverrides } from '../src/argv.js';
import { parseArgs, v2Argv } from '../src/cli.js';

const VERBS = new Set(['start', 'stop', 'post', 'show', 'status', 'list']);

test('sr3_post short names and --option value become configuration lines; paths and the CLI flags stay', () => {
  const s = splitOverrides(['-pb', 'amqp://guest@h/', '-pbu', 'http://h:1/', '-pe', 'xnewcomer', '--post_baseDir=/d', 'file'], 'post', VERBS);
  assert.deepEqual(s.lines, ['pb amqp://guest@h/', 'pbu http://h:1/', 'pe xnewcomer', 'post_baseDir /d']);
  assert.deepEqual(s.argv, ['file']);
  const cli = splitOverrides(['--json', '-c', 'post/x', '--dangerWillRobinson=2', '--serve', '8080', 'status'], 'post', VERBS);
  assert.deepEqual(cli.argv, ['--json', '-c', 'post/x', '--dangerWillRobinson=2', '--serve', '8080', 'status']);
  assert.deepEqual(cli.lines, []);
});

test('a flag takes only an on/off word; an option the table does not know never swallows a verb', () => {
  assert.deepEqual(splitOverrides(['--inline', 'start', 'subscribe/x'], 'subscribe', VERBS), { argv: ['start', 'subscribe/x'], lines: ['inline'] });
  assert.deepEqual(splitOverrides(['--inline', 'off', 'show'], 'subscribe', VERBS).lines, ['inline off']);
  assert.deepEqual(splitOverrides(['--logLevel', 'debug', 'show'], 'subscribe', VERBS).lines, ['logLevel debug']);
  assert.deepEqual(splitOverrides(['--nosuch', 'show', 'x/y'], 'subscribe', VERBS), { argv: ['show', 'x/y'], lines: ['nosuch'] });
  assert.deepEqual(splitOverrides(overrideArgs(['pb amqp://h/', 'inline']), 'post', VERBS).lines, ['pb amqp://h/', 'inline']);
});

test('sr_post with only command-line options: post, the overrides, the paths (no "unknown component http:")', async () => {
  const argv = v2Argv('post', ['-pb', 'amqp://guest@127.0.0.1/', '-pbu', 'http://127.0.0.1:41425/', '-pe', 'xnewcomer', 'file']);
  const a = await parseArgs(argv);
  assert.equal(a.action, 'post');
  assert.deepEqual(a.configs, ['file']);
  assert.deepEqual(a.extraLines, ['pb amqp://guest@127.0.0.1/', 'pbu http://127.0.0.1:41425/', 'pe xnewcomer']);
  const b = await parseArgs(['post', '-pb', 'amqp://guest@127.0.0.1/', '--post_exchange', 'x', 'file']);
  assert.deepEqual([b.action, b.configs, b.extraLines], ['post', ['file'], ['pb amqp://guest@127.0.0.1/', 'post_exchange x']]);
});

test('sr_subscribe: v2 single-dash options, overrides kept with their values, list only its component', async () => {
  const a = await parseArgs(v2Argv('subscribe', ['-config', 'x', '--logLevel', 'debug', 'foreground', 'wxo']));
  assert.equal(a.config, 'x');
  assert.deepEqual([a.action, a.configs, a.extraLines], ['foreground', ['subscribe/wxo'], ['logLevel debug']]);
  assert.deepEqual(v2Argv('subscribe', ['list']), ['list', 'subscribe']);
  assert.deepEqual(v2Argv('subscribe', ['list', 'examples']), ['list', 'examples']);
  assert.deepEqual(v2Argv('subscribe', ['start']), ['start', 'subscribe/*']);
});
