// Test helper: a private HOME with XDG config/cache directories inside, so CLI runs never touch the real ~.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface TempHome {
  /** the temporary HOME directory */ home: string;
  /** process.env plus HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME pointing inside `home` */ env: Record<string, string | undefined>;
  /** `<home>/.config/sarra` */ configDir: string;
  /** `<home>/.cache/sarra` */ cacheDir: string;
  /** Writes `<configDir>/<rel>` (e.g. 'subscribe/x.conf', 'credentials.conf' gets mode 0600). Returns its path. */
  writeConfig(rel: string, text: string): Promise<string>;
  /** Removes the whole tree. */
  cleanup(): Promise<void>;
}

/** Creates a temporary HOME under the system temp dir (prefix `sarra-home-`). */
export async function tempHome(prefix = 'sarra-home-'): Promise<TempHome> {
  const home = await mkdtemp(join(tmpdir(), prefix));
  const xdgConfig = join(home, '.config');
  const xdgCache = join(home, '.cache');
  const configDir = join(xdgConfig, 'sarra');
  const cacheDir = join(xdgCache, 'sarra');
  await mkdir(configDir, { recursive: true });
  await mkdir(cacheDir, { recursive: true });
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: xdgConfig, XDG_CACHE_HOME: xdgCache };
  return {
    home, env, configDir, cacheDir,
    async writeConfig(rel, text) {
      const file = join(configDir, rel);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text, { mode: rel.endsWith('credentials.conf') ? 0o600 : 0o644 });
      return file;
    },
    cleanup: () => rm(home, { recursive: true, force: true }),
  };
}

/** Runs `fn` in a new temporary directory (named `<prefix>XXXXXX`), removed after, whether `fn` throws or not. */
export async function withTempDir(prefix: string, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
