// Issue 16 item 6 through the real CLI: `sr systemd install|remove --user|--system --unit-dir DIR` writes the units of
// tools/systemd with this installation's node and sr script, says clearly when it cannot enable them (no systemctl, or
// systemd not running as in this container) with exit 3, and remove deletes them.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli, SR_BIN } from '@sarra/testkit/child';

let h: TempHome;
before(async () => { h = await tempHome(); });
after(async () => { await h.cleanup(); });

/** PATH without systemctl: the way a minimal container is. */
const noSystemctl = (): Record<string, string | undefined> => ({ ...h.env, PATH: '/nonexistent' });

test('install --user: sarra.service and the sanity timer, ExecStart naming this node and sr; not enabled without systemctl (exit 3)', async () => {
  const dir = join(h.home, 'units-user');
  const r = await runCli(['systemd', 'install', '--user', '--unit-dir', dir], { ...noSystemctl(), XDG_CACHE_HOME: join(h.home, 'cache') });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stdout, /not enabled: systemctl is not installed\. Where systemd runs: systemctl --user daemon-reload && systemctl --user enable --now sarra\.service sarra-sanity\.timer/);
  assert.deepEqual((await readdir(dir)).sort(), ['sarra-sanity.service', 'sarra-sanity.timer', 'sarra.service']);
  const unit = await readFile(join(dir, 'sarra.service'), 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=${process.execPath} ${SR_BIN} start$`, 'm'));
  assert.match(unit, new RegExp(`^ExecStop=${process.execPath} ${SR_BIN} stop$`, 'm'));
  assert.match(unit, new RegExp(`^Environment=XDG_CACHE_HOME=${join(h.home, 'cache')}$`, 'm'));
  assert.doesNotMatch(unit, /\/usr\/bin\/env sr/);
  assert.match(await readFile(join(dir, 'sarra-sanity.service'), 'utf8'), new RegExp(`^ExecStart=${process.execPath} ${SR_BIN} sanity$`, 'm'));
  assert.match(await readFile(join(dir, 'sarra-sanity.timer'), 'utf8'), /^OnUnitActiveSec=5min$/m);

  // links `systemctl enable` would have made go with the units
  await mkdir(join(dir, 'default.target.wants'));
  await symlink(join(dir, 'sarra.service'), join(dir, 'default.target.wants', 'sarra.service'));
  const rm = await runCli(['systemd', 'remove', '--user', '--unit-dir', dir], noSystemctl());
  assert.equal(rm.code, 0, rm.stderr);
  assert.match(rm.stdout, /removed .*sarra\.service/);
  assert.deepEqual(await readdir(dir), ['default.target.wants']);
  assert.deepEqual(await readdir(join(dir, 'default.target.wants')), []);
});

test('install --system: the template unit too, the sanity check run as the sarra account; the real systemctl here is not running (exit 3)', async () => {
  const dir = join(h.home, 'units-system');
  const r = await runCli(['systemd', 'install', '--system', '--unit-dir', dir], h.env);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /not enabled: (systemd is not running here|systemctl is not installed)/);
  assert.deepEqual((await readdir(dir)).sort(), ['sarra-sanity.service', 'sarra-sanity.timer', 'sarra.service', 'sarra@.service']);
  const sanity = await readFile(join(dir, 'sarra-sanity.service'), 'utf8');
  assert.match(sanity, /^\[Service\]\nUser=sarra\nGroup=sarra\nEnvironment=HOME=\/var\/lib\/sarra\n/m);
  const one = await readFile(join(dir, 'sarra@.service'), 'utf8');
  assert.match(one, new RegExp(`^ExecStart=${process.execPath} ${SR_BIN} foreground %I$`, 'm'));
  assert.equal(one.match(/^User=/gm)?.length, 1, 'the account is not added twice');
  assert.equal((await runCli(['systemd', 'remove', '--system', '--unit-dir', dir], noSystemctl())).code, 0);
  assert.deepEqual(await readdir(dir), []);
});

test('usage: a verb and exactly one of --user/--system, else exit 2 with the usage line', async () => {
  for (const args of [['install'], ['install', '--user', '--system'], ['frob', '--user'], ['install', '--bogus']]) {
    const r = await runCli(['systemd', ...args], h.env);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /usage: sr systemd install\|remove --user\|--system/);
  }
});
