// Logger `stdout` (sr3 logStdout): lines go to standard output, nothing to standard error, all of them flushed by
// close() before the process exits (a child process, as pino tests exit behaviour).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'node:test';

const script = (stdout: boolean): string => [
  "import { Logger } from '@sarra/common';",
  `const log = Logger.create('t/c:01', { stdout: ${stdout} });`,
  "for (let i = 0; i < 2000; i++) log.info(`line ${i} amqp://u:secret@h/`);",
  'await log.close();',
  'process.exit(0);',
].join('\n');

async function run(stdout: boolean): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script(stdout)],
    { cwd: new URL('../../..', import.meta.url).pathname, maxBuffer: 64 << 20 });
}

test('stdout: every line on standard output (passwords redacted), none on standard error', async () => {
  const r = await run(true);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2000);
  assert.match(lines[1999]!, /\[INFO\] t\/c:01 line 1999 amqp:\/\/u:\*\*\*@h\/$/);
  assert.equal(r.stderr, '');
});

test('without it (foreground): standard error', async () => {
  const r = await run(false);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 2000);
});
