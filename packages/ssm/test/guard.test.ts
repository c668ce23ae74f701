// One sender per spool: a live other ssmsend is refused; a dead one's guard is taken over and its pid reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { ConfigError } from '@sarra/common';
import { guardPath, releaseGuard, takeGuard } from '../src/guard.js';

test('guard beside the spool: taken, refused while its owner lives, taken over (stale pid reported) once it is dead', async () => {
  const dir = await mkdtemp(`${tmpdir()}/ssm-guard-`);
  const spool = `${dir}/outgoing`;
  try {
    assert.equal(guardPath(spool), `${dir}/.outgoing.ssmsend.pid`);
    assert.equal(await takeGuard(spool), undefined);
    assert.equal((await readFile(guardPath(spool), 'utf8')).trim(), String(process.pid));
    await releaseGuard(spool);
    await assert.rejects(stat(guardPath(spool)), /ENOENT/);
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    await writeFile(guardPath(spool), `${other.pid}\n`);
    await assert.rejects(takeGuard(spool), (e: unknown) => e instanceof ConfigError && new RegExp(`another ssmsend \\(pid ${other.pid}\\)`).test(e.message));
    const gone = new Promise((r) => other.once('exit', r));
    other.kill('SIGKILL');
    await gone;
    assert.equal(await takeGuard(spool), other.pid);
    await releaseGuard(spool);
  } finally { await rm(dir, { recursive: true, force: true }); }
});
