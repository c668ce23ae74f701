// `sr add plugin <name>`: the template it writes to ~/.config/sarra/plugins loads as a configuration's callback,
// its option is known to lint, and it does what it says (rejects files over its size).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { lintConfig, loadConfig } from '@sarra/config';
import { loadHooks, newWorklist, type WorkItem } from '@sarra/flow';
import { tempHome } from '@sarra/testkit/home';
import type { Ctx } from '../src/context.js';
import { doAdd, doList } from '../src/manage.js';

function ctx(env: Record<string, string | undefined>, configs: string[]): { c: Ctx; out: string[]; err: string[] } {
  const out: string[] = [], err: string[] = [];
  return { c: { env, args: { configs }, out: (s: string) => out.push(s), err: (s: string) => err.push(s) } as unknown as Ctx, out, err };
}

const notice = (relPath: string, size: number): WorkItem => ({ notice: { pubTime: '20261203T150000', baseUrl: 'http://x/', relPath, size } });

test('sr add plugin writes a template that lints, loads and rejects what is over its size', async () => {
  const h = await tempHome();
  try {
    const a = ctx(h.env, ['plugin', 'bigfiles']);
    assert.equal(await doAdd(a.c), 0);
    assert.match(a.out[0]!, /added .*\/plugins\/bigfiles\.mjs \(name it in a configuration: callback bigfiles\)/);
    const again = ctx(h.env, ['plugin', 'bigfiles']);
    assert.equal(await doAdd(again.c), 1);
    assert.match(again.err[0]!, /already exists/);
    await h.writeConfig('subscribe/t.conf', 'broker amqp://anonymous@localhost\ncallback bigfiles\nbigfiles_maxSize 1k\n');
    assert.deepEqual((await lintConfig('subscribe', 't', { env: h.env })).filter((d) => d.severity === 'error'), []);
    const o = await loadConfig('subscribe', 't', { env: h.env });
    assert.equal(o.pluginOptions.bigfiles_maxSize, 1024);
    const [hook] = await loadHooks(o, [], { env: h.env, logger: Logger.silent() });
    const wl = newWorklist([notice('big', 4096), notice('small', 10)]);
    await hook!.afterAccept!(wl);
    assert.deepEqual(wl.rejected.map((i) => [i.notice.relPath, i.reportCode, i.reportMessage]), [['big', 413, 'larger than 1024 bytes']]);
    assert.deepEqual(wl.incoming.map((i) => i.notice.relPath), ['small']);
    // every entry point of docs/plugins.md is named in the template, written out or as a comment to uncomment
    const text = await readFile(join(h.configDir, 'plugins', 'bigfiles.mjs'), 'utf8');
    const missing = ['onStart', 'afterAccept', 'afterWork', 'afterPost', 'onHousekeeping', 'metricsReport', 'onStop', 'gather',
      'download', 'destfn', 'post', 'ack', 'poll', 'onDeclare', 'onSanity', 'onCleanup', 'pleaseStop'].filter((e) => !new RegExp(`^\\s*(// )?(async )?${e}\\(`, 'm').test(text));
    assert.deepEqual(missing, []);
  } finally {
    await h.cleanup();
  }
});

test('sr add plugin refuses a name with directories; sr list plugins names the built-ins and the plugin directory', async () => {
  const h = await tempHome();
  try {
    for (const bad of ['../x', 'a/b', '']) {
      const r = ctx(h.env, ['plugin', bad]);
      assert.equal(await doAdd(r.c), 1, bad);
      assert.match(r.err[0]!, /usage: sr add plugin <name>/);
    }
    const l = ctx(h.env, ['plugins']);
    assert.equal(await doList(l.c), 0);
    assert.match(l.out[0]!, /^built-in plugins \(callback <name>\): .*accept\.httptohttps.*work\.delete/);
    assert.match(l.out[1]!, /\/\.config\/sarra\/plugins$/);
  } finally {
    await h.cleanup();
  }
});
