// Issue 19 item 11, read not run (no base image can be pulled here): the Dockerfile's assumptions hold.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '@sarra/testkit/child';

test('Dockerfile: VOLUME directories exist and belong to sarra before USER; .dockerignore keeps local trees out', async () => {
  const df = await readFile(join(REPO_ROOT, 'Dockerfile'), 'utf8');
  const runtime = df.slice(df.lastIndexOf('\nFROM '));
  const volumes = [...(/VOLUME \[(.*)\]/.exec(runtime)?.[1] ?? '').matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(volumes.length > 0);
  const beforeUser = runtime.slice(0, runtime.indexOf('\nUSER sarra'));
  for (const v of volumes) assert.ok(beforeUser.includes(`mkdir -p`) && beforeUser.includes(v), `${v} created before USER`);
  assert.match(beforeUser, /chown -R sarra:sarra \/home\/sarra/);
  assert.doesNotMatch(df, /\|\| true/, 'no failure hidden');
  // the image prunes dev dependencies: the launcher must choose the build when tsx is absent
  assert.match(df, /npm prune --omit=dev/);
  assert.match(await readFile(join(REPO_ROOT, 'bin/_run.js'), 'utf8'), /tsxInstalled\(\)/);
  const ignore = (await readFile(join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n');
  for (const p of ['node_modules', 'demo-run', '**/dist']) assert.ok(ignore.includes(p), `.dockerignore has ${p}`);
});
