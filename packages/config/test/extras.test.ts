// Smaller behaviours: dated accept patterns, remote includes, CLI-style lines, hook-declared options, the option reference.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@sarra/common';
import {
  Credentials, OPTIONS, newParseState, optionReference, parseLine, parseText, pluginOption, resolveOptions,
} from '@sarra/config';

const NOW = Date.UTC(2024, 0, 29, 17, 43, 56);

function load(text: string): ReturnType<typeof resolveOptions> {
  const st = newParseState('subscribe', 'cfg', {}, NOW);
  parseText(st, text, 'cfg.conf');
  return resolveOptions(st, Credentials.empty(), 'cfg.conf');
}

describe('extras', () => {
  it('date variables in accept patterns are expanded once at load (like sr3)', () => {
    const o = load('accept .*/${YYYYMMDD}/.*\nreject .*/${%o-1d%Y%m%d}/.*');
    assert.ok(o.masks[0]!.regex.test('http://h/20240129/x'));
    assert.ok(!o.masks[0]!.regex.test('http://h/20240128/x'));
    assert.ok(o.masks[1]!.regex.test('http://h/20240128/x'));
    assert.equal(o.masks[0]!.pattern, '.*/${YYYYMMDD}/.*', 'pattern kept as written');
  });

  it('remote includes are refused at their line', () => {
    const st = newParseState('subscribe', 'cfg', {});
    parseLine(st, 'include https://example.org/x.conf', 'cfg.conf', 7);
    assert.equal(st.diagnostics[0]?.line, 7);
    assert.match(st.diagnostics[0]!.message, /remote includes are not supported/);
  });

  it('hook-declared options are typed from the unknown option lines, then no longer unknown', () => {
    const o = load('my_interval 5m\nmy_list a,b c\nmy_flag\nmy_bad 12x');
    assert.equal(pluginOption(o, 'my_interval', 'duration', 60), 300);
    assert.equal(pluginOption(o, 'my_interval', 'duration', 60), 300, 'asked again: the same value');
    assert.deepEqual(pluginOption(o, 'my_list', 'list', []), ['a', 'b', 'c']);
    assert.equal(pluginOption(o, 'my_flag', 'flag', false), true);
    assert.equal(pluginOption(o, 'not_there', 'count', 42), 42);
    assert.deepEqual(Object.keys(o.unknownOptions), ['my_bad']);
    assert.throws(() => pluginOption(o, 'my_bad', 'count', 0), (e: unknown) => e instanceof ConfigError && e.line === 4);
  });

  it('the option reference lists every option with its synonyms', () => {
    const md = optionReference();
    for (const s of OPTIONS) {
      assert.ok(md.includes(`| ${s.name} |`), s.name);
      for (const syn of s.synonyms) assert.ok(md.includes(syn), syn);
    }
    assert.match(md, /\| download \| flag \| false \| subscribe: true; sarra: true; sender: true \| no_download \(inverted\), notify_only \(inverted\)/);
    assert.match(md, /\| pollUrl \| url \| – \| {2}\| destination \(poll\)/);
  });
});

describe('OPTIONS.md', () => {
  it('is the current option reference (regenerate with scripts/reference.ts)', async () => {
    const { readFile } = await import('node:fs/promises');
    const { HEADER } = await import('../scripts/reference.js');
    const md = await readFile(new URL('../OPTIONS.md', import.meta.url), 'utf8');
    assert.equal(md, HEADER + optionReference());
  });
});

describe('optionsFromText', () => {
  it('gives resolved Options from text and throws ConfigError at the bad line', async () => {
    const { optionsFromText } = await import('@sarra/config');
    const o = optionsFromText('winnow', 'broker amqp://bob@h/\npost_broker amqp://bob@h/');
    assert.equal(o.nodupe_ttl, 300);
    assert.equal(o.exchange, 'xs_bob');
    assert.throws(() => optionsFromText('winnow', 'broker amqp://bob@h/\nbatch x'), /winnow\/test\.conf:2: batch: not a count/);
    assert.throws(() => optionsFromText('winnow', 'batch 1'), /broker: missing/);
    assert.equal(optionsFromText('winnow', 'batch 1', { check: false }).batch, 1);
  });
});
