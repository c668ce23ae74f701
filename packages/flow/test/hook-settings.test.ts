// A callback module is constructed with its own `set <callback>.<option>` values over the configuration's: the
// callback named gets them, typed; another callback, and the configuration itself, keep theirs (sr3 per-class settings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newParseState, parseText, resolveOptions, Credentials, pluginOption, type Options } from '@sarra/config';
import { ConfigError } from '@sarra/common';
import { loadHooks } from '../src/hooks.js';
import type { FlowHook } from '../src/types.js';

const PLUGIN = (name: string): string => `export const options = { every: { kind: 'duration', default: 60 } };
export default class P { constructor(o) { this.name = '${name}'; this.o = o; } }\n`;

function conf(text: string): Options {
  const st = newParseState('subscribe', 'test', { HOME: '/tmp/nohome' });
  parseText(st, `broker amqp://anonymous@localhost\n${text}\n`, '/tmp/test.conf');
  const o = resolveOptions(st, Credentials.empty());
  o.pluginOptions.every = 60;
  return o;
}

test('set values reach only the callback they name, typed, over the configuration\'s', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hook-set-'));
  try {
    await writeFile(join(dir, 'one.mjs'), PLUGIN('one'));
    await writeFile(join(dir, 'two.mjs'), PLUGIN('two'));
    const o = conf('callback one\ncallback two\nset one.every 5m\nset sarracenia.flowcb.one.One.logLevel debug');
    const [one, two] = (await loadHooks(o, [], { pluginDir: dir })) as (FlowHook & { o: Options })[];
    assert.equal(pluginOption(one!.o, 'every', 'duration', 0), 300);
    assert.equal(one!.o.logLevel, 'debug');
    assert.equal(pluginOption(two!.o, 'every', 'duration', 0), 60);
    assert.equal(two!.o.logLevel, 'info');
    assert.equal(o.logLevel, 'info', 'the configuration itself is untouched');
    assert.equal(two!.o, o, 'a callback without settings shares the options');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a set value that does not parse stops the load with the set line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hook-set-'));
  try {
    await writeFile(join(dir, 'one.mjs'), PLUGIN('one'));
    await assert.rejects(loadHooks(conf('callback one\nset one.every soon'), [], { pluginDir: dir }),
      (e: unknown) => e instanceof ConfigError && e.line === 3 && /set one\.every: not a duration/.test(e.message));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
