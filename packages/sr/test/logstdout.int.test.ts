// logStdout through the real CLI and RabbitMQ: `sr --logStdout start` (sr3's documented use) and a `logStdout on`
// line both leave the instance log file unwritten; the instance's lines reach the output sr start was given.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { REPO_ROOT, SR_BIN, runCli, waitFor } from '@sarra/testkit/child';

let vh: TestVhost;
let h: TempHome;

before(async () => {
  vh = await withVhost('sr-logstdout');
  h = await tempHome();
  const broker = vh.url.replace('guest:guest@', 'guest@');
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  const shovel = [`broker ${broker}`, 'exchange xls', `post_broker ${broker}`, 'post_exchange xls_out'];
  await h.writeConfig('shovel/cli.conf', [...shovel, ''].join('\n'));
  await h.writeConfig('shovel/line.conf', [...shovel, 'logStdout on', ''].join('\n'));
});

after(async () => {
  await runCli(['stop'], h.env).catch(() => undefined);
  await h.cleanup();
  await vh.cleanup();
});

/** `sr <args>` with stdout and stderr to a file (kept by the instances it spawns); resolves with sr's exit code. */
async function startTo(file: string, args: string[]): Promise<number | null> {
  const fd = openSync(file, 'a');
  try {
    const child = spawn(process.execPath, [SR_BIN, ...args], { env: h.env as NodeJS.ProcessEnv, cwd: REPO_ROOT, stdio: ['ignore', fd, fd] });
    return await new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  } finally {
    closeSync(fd);
  }
}

async function logFiles(config: string): Promise<string[]> {
  return (await readdir(join(h.cacheDir, 'log')).catch(() => [] as string[])).filter((n) => n.startsWith(`shovel_${config}_`));
}

for (const [config, args] of [['cli', ['--logStdout', 'start', 'shovel/cli']], ['line', ['start', 'shovel/line']]] as const) {
  test(`${args.join(' ')}: the instance logs to the output sr start had, not to its log file`, async () => {
    const out = join(h.home, `${config}.out`);
    assert.equal(await startTo(out, [...args]), 0, await readFile(out, 'utf8'));
    const text = await waitFor(async () => {
      const t = await readFile(out, 'utf8');
      return /\[INFO\] shovel\/\S+:01 consuming queue/.test(t) ? t : undefined;
    }, { timeoutMs: 30_000, what: 'the instance consuming' });
    assert.match(text, new RegExp(`starting shovel/${config} instance 1 pid \\d+`));
    assert.doesNotMatch(text, /ignored: logStdout/);
    assert.deepEqual(await logFiles(config), [], 'no instance log file');
    const stop = await runCli(['stop', `shovel/${config}`], h.env);
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor(async () => /stopped \(exit 0\)/.test(await readFile(out, 'utf8')), { what: 'the clean stop, logged to the same output' });
  });
}
