// The config language: order-sensitive masks, subtopic bindings, includes, ${VAR}, declare/header/set, regexes.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { join } from 'node:path';
import { ConfigError } from '@sarra/common';
import { lintConfig, loadConfig, newParseState, parseText, pythonRegex } from '@sarra/config';
import { tempHome, type TempHome } from './home.js';

function parsed(text: string, component = 'subscribe', env: Record<string, string> = {}): ReturnType<typeof newParseState> {
  const st = newParseState(component, 'cfg', { HOSTNAME: 'node1', ...env });
  parseText(st, text, 'cfg.conf');
  return st;
}

describe('accept/reject capture the destination options in force', () => {
  it('each mask keeps directory, mirror, strip, flatten, rename, baseDir, filename of its position', () => {
    const st = parsed(
      [
        'directory /data/a',
        'accept .*\\.txt',
        'mirror on',
        'strip 2',
        'directory /data/b/${YYYYMMDD}',
        'reject .*junk.*',
        'accept .*\\.xml WHATFN',
        'flatten -',
        'strip ^/tmp/[^/]*/',
        'baseDir /base',
        'rename /renamed/',
        'filename DESTFN=x',
        'accept (?P<stn>C...)_.*',
      ].join('\n'),
    );
    assert.deepEqual(st.diagnostics, []);
    const [a, r, x, g] = st.masks;
    assert.deepEqual([a!.accept, a!.directory, a!.mirror, a!.strip, a!.line], [true, '/data/a', false, 0, 2]);
    assert.deepEqual([r!.accept, r!.directory, r!.mirror, r!.strip], [false, '/data/b/${YYYYMMDD}', true, 2]);
    assert.deepEqual([x!.filename, x!.flatten, x!.rename], ['WHATFN', '/', undefined]);
    assert.deepEqual([g!.flatten, g!.strip, g!.baseDir, g!.rename, g!.filename], ['-', '^/tmp/[^/]*/', '/base', '/renamed/', 'DESTFN=x']);
    assert.equal(g!.file, 'cfg.conf');
    assert.equal(g!.line, 13);
    assert.equal(st.values.directory, '/data/b/${YYYYMMDD}', 'last directory is the option value');
  });

  it('regexes match like Python re.match: anchored at the start only', () => {
    const re = pythonRegex('.*\\.txt');
    assert.ok(re.test('http://h/a/b.txt'));
    assert.ok(re.test('http://h/a/b.txt.bak'), 're.match does not anchor the end');
    assert.ok(!pythonRegex('b\\.txt').test('http://h/a/b.txt'), 'anchored at the start');
    assert.equal(pythonRegex('(?P<stn>C...)_(?P=stn)').exec('CXCK_CXCK')?.groups?.stn, 'CXCK');
    assert.ok(pythonRegex('(?i)abc').test('ABC'));
    assert.ok(pythonRegex('^abc').test('abc'));
  });

  it('a regex that does not compile is an error at its line', () => {
    const st = parsed('broker amqp://a@h\n\naccept .*[unclosed');
    assert.equal(st.diagnostics.length, 1);
    const d = st.diagnostics[0]!;
    assert.equal(d.line, 3);
    assert.equal(d.option, 'accept');
    assert.match(d.message, /accept: bad regular expression '\.\*\[unclosed'/);
  });
});

describe('subtopic bindings', () => {
  it('capture exchange and topicPrefix in force at each subtopic line', () => {
    const st = parsed('exchange xpublic\ntopicPrefix v02.post\nsubtopic a.#\nexchange xs_bob\ntopicPrefix v03\nsubtopic b.*');
    assert.deepEqual(st.bindings, [
      { exchange: 'xpublic', topicPrefix: 'v02.post', subtopic: 'a.#' },
      { exchange: 'xs_bob', topicPrefix: 'v03', subtopic: 'b.*' },
    ]);
    assert.deepEqual(st.values.subtopic, ['a.#', 'b.*']);
    assert.ok(st.diagnostics.every((d) => d.severity === 'warning' && d.code === 'order'), 'order warnings only');
    assert.equal(st.diagnostics.length, 2);
  });

  it('subtopic None disables binding', () => {
    const st = parsed('subtopic a.#\nsubtopic None');
    assert.equal(st.subtopicNone, true);
    assert.deepEqual(st.bindings, []);
  });
});

describe('variables at load time', () => {
  it('substitutes env, built-ins and options set earlier; leaves per-message variables', () => {
    const st = parsed(
      [
        'broker amqp://bunny@localhost/',
        'post_broker amqp://feeder@localhost/',
        'declare env DATA=/srv/data',
        'post_exchange xs_${BROKER_USER}_${POST_BROKER_USER}',
        'directory ${DATA}/${PROGRAM}/${CONFIG}/${HOSTNAME}/${YYYYMMDD}/${SOURCE}/${1}/${%o-1h%Y%m%d}/${YYYYMMDD-70m}',
        'post_baseDir ${HOME}/${directory}',
        'rename ${NOSUCH}/x',
      ].join('\n'),
      'sarra',
      { HOME: '/home/t' },
    );
    assert.equal(st.values.post_exchange, 'xs_bunny_feeder');
    const dir = '/srv/data/sarra/cfg/node1/${YYYYMMDD}/${SOURCE}/${1}/${%o-1h%Y%m%d}/${YYYYMMDD-70m}';
    assert.equal(st.values.directory, dir);
    assert.equal(st.values.post_baseDir, `/home/t/${dir}`);
    assert.equal(st.values.rename, '${NOSUCH}/x');
    assert.deepEqual(st.declared.env, { DATA: '/srv/data' });
    assert.equal(st.diagnostics.length, 1);
    assert.equal(st.diagnostics[0]!.severity, 'warning');
    assert.match(st.diagnostics[0]!.message, /unknown variable \$\{NOSUCH\}/);
  });

  it('RAND8 is a new 8-digit number at each evaluation; RANDID is fixed per load', () => {
    const st = parsed('header a=${RAND8}\nheader b=${RAND8}\nheader c=${RANDID}\nheader d=${RANDID}');
    assert.match(st.headers.a!, /^\d{8}$/);
    assert.match(st.headers.b!, /^\d{8}$/);
    assert.equal(st.headers.c, st.headers.d);
  });
});

describe('declare, header, set', () => {
  it('are stored', () => {
    const st = parsed(
      'declare source alice\ndeclare subscriber bob,carol\ndeclare exchange xs_alice_x\nheader toto=pig\nset sarracenia.moth.amqp.AMQP.logLevel debug',
    );
    assert.deepEqual(st.declared.source, ['alice']);
    assert.deepEqual(st.declared.subscriber, ['bob', 'carol']);
    assert.deepEqual(st.declared.exchange, ['xs_alice_x']);
    assert.deepEqual(st.headers, { toto: 'pig' });
    assert.deepEqual(st.settings, { 'sarracenia.moth.amqp.AMQP.logLevel': 'debug' });
    assert.deepEqual(st.diagnostics, []);
  });

  it('names are case sensitive: an unknown option is an error with file:line, kept for plugins', () => {
    const st = parsed('Mirror on\nmyPluginOption 42');
    assert.deepEqual(st.diagnostics.map((d) => [d.line, d.code, d.option]), [[1, 'unknown-option', 'Mirror'], [2, 'unknown-option', 'myPluginOption']]);
    assert.deepEqual(st.unknownOptions.myPluginOption, { value: '42', file: 'cfg.conf', line: 2 });
  });
});

describe('includes', () => {
  let h: TempHome;
  after(() => h.cleanup());

  it('resolve relative to the including file, then the config dir', async () => {
    h = await tempHome({
      'credentials.conf': 'amqp://guest:guest@localhost/\n',
      'subscribe/common/dest.inc': 'directory /data/inc\nmirror on\n',
      'shared.inc': 'broker amqp://guest@localhost/\n',
      'subscribe/a.conf': 'include shared.inc\ninclude common/dest.inc\naccept .*\n',
    });
    const o = await loadConfig('subscribe', 'a', { env: h.env });
    assert.equal(o.broker, 'amqp://guest@localhost/');
    assert.equal(o.masks[0]!.directory, '/data/inc');
    assert.equal(o.masks[0]!.mirror, true);
  });

  it('a missing include is an error at the include line', async () => {
    await h.write('subscribe/b.conf', 'broker amqp://guest@localhost/\n\nconfig nosuch.inc\n');
    const file = join(h.dir, 'subscribe', 'b.conf');
    await assert.rejects(loadConfig('subscribe', 'b', { env: h.env }), (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.file, file);
      assert.equal(e.line, 3);
      assert.match(e.message, /b\.conf:3: include: cannot find 'nosuch\.inc'/);
      return true;
    });
  });

  it('an include cycle is an error naming the chain', async () => {
    await h.write('subscribe/x.inc', 'include y.inc\n');
    await h.write('subscribe/y.inc', 'batch 5\ninclude x.inc\n');
    await h.write('subscribe/c.conf', 'broker amqp://guest@localhost/\ninclude x.inc\n');
    const diags = await lintConfig('subscribe', 'c', { env: h.env });
    assert.equal(diags.length, 1);
    assert.equal(diags[0]!.code, 'include-cycle');
    assert.equal(diags[0]!.file, join(h.dir, 'subscribe', 'y.inc'));
    assert.equal(diags[0]!.line, 2);
    assert.match(diags[0]!.message, /cycle: .*c\.conf -> .*x\.inc -> .*y\.inc -> .*x\.inc/);
  });
});
