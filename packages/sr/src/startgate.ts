// A gate that holds freshly spawned instances while `sr start` is still spawning, so 50 children loading
// their modules do not starve the supervisor of CPU (sr start of 50 configurations must return in seconds).
import { readFileSync, statSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cacheDir, hostEnv, mkdirp, type Env } from '@sarra/common';

/** `~/.cache/sarra/.starting`: holds the pid of the `sr start` spawning a batch (one for every host directory). */
function gateFile(env: Env = process.env): string {
  return join(cacheDir(hostEnv(env, false)), '.starting');
}

/** Closes the gate before a batch of spawns (a read-only cache directory fails with EROFS, as it is). */
export async function closeGate(env: Env = process.env): Promise<void> {
  await mkdirp(cacheDir(env));
  await writeFile(gateFile(env), `${process.pid}\n`);
}

/** Opens the gate once the batch is spawned and its pid files written. */
export async function openGate(env: Env = process.env): Promise<void> {
  await rm(gateFile(env), { force: true });
}

function held(file: string, maxAgeMs: number): boolean {
  try {
    if (Date.now() - statSync(file).mtimeMs > maxAgeMs) return false;
    const pid = Number(readFileSync(file, 'utf8').trim());
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** In a new instance: waits (polling every 25 ms, at most `maxWaitMs`) while a live `sr start` holds the gate. */
export async function waitAtGate(env: Env = process.env, maxWaitMs = 20_000): Promise<void> {
  const file = gateFile(env);
  const deadline = Date.now() + maxWaitMs;
  while (Date.now() < deadline && held(file, maxWaitMs)) await new Promise((r) => setTimeout(r, 25));
}
