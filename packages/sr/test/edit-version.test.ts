// Issue 19 item 10 through the real CLI (no broker): sr --version, sr edit creating a configuration, an editor that
// cannot run said so.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let h: TempHome;
before(async () => { h = await tempHome(); });
after(async () => { await h.cleanup(); });

test('sr --version prints the version, exit 0', async () => {
  const r = await runCli(['--version'], h.env);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^sr \(sarra-ts\) \d+\.\d+\.\d+\n$/);
});

test('EDITOR=nosuchedit sr edit: exit 1 naming the editor; sr edit of a new name creates it and runs the editor on it', async () => {
  const bad = await runCli(['edit', 'subscribe/x'], { ...h.env, EDITOR: 'nosuchedit' });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /cannot run the editor 'nosuchedit' \(ENOENT\); set EDITOR or VISUAL/);
  // `true` stands in for an editor: it exits 0 leaving the file as it is
  const ok = await runCli(['edit', 'subscribe/new_one'], { ...h.env, EDITOR: 'true' });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(await readFile(join(h.configDir, 'subscribe', 'new_one.conf'), 'utf8'), '');
  const wrong = await runCli(['edit', 'nosuchcomponent/y'], { ...h.env, EDITOR: 'true' });
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /name a new configuration as <component>\/<name>/);
});
