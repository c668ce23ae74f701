// Test helper: a temporary HOME with a ~/.config/sarra tree built from a map of relative paths to contents.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Env } from '@sarra/common';

export interface TempHome {
  home: string;
  /** ~/.config/sarra */
  dir: string;
  env: Env;
  write(rel: string, text: string, mode?: number): Promise<string>;
  cleanup(): Promise<void>;
}

export async function tempHome(files: Record<string, string> = {}): Promise<TempHome> {
  const home = await mkdtemp(join(tmpdir(), 'sarra-config-'));
  const dir = join(home, '.config', 'sarra');
  await mkdir(dir, { recursive: true });
  const env: Env = { HOME: home, USER: 'tester', HOSTNAME: 'testhost', PATH: process.env.PATH };
  const write = async (rel: string, text: string, mode = 0o600): Promise<string> => {
    const f = join(dir, rel);
    await mkdir(dirname(f), { recursive: true });
    await writeFile(f, text);
    await chmod(f, mode);
    return f;
  };
  for (const [rel, text] of Object.entries(files)) await write(rel, text);
  return { home, dir, env, write, cleanup: () => rm(home, { recursive: true, force: true }) };
}
