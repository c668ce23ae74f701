// Test helpers: a configuration in a temporary HOME, its callbacks loaded as a flow loads them, a log to read.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { loadConfig, type Options } from '@sarra/config';
import { loadHooks, type FlowHook, type WorkItem } from '@sarra/flow';
import { tempHome, type TempHome } from '@sarra/testkit/home';

export interface Loaded {
  o: Options;
  hooks: FlowHook[];
  home: TempHome;
  /** What the hooks logged so far (closes the logger). */
  lines(): Promise<string[]>;
}

/** Loads subscribe configuration `text` (a broker line is added) and its callbacks; `plugins` are files written to ~/.config/sarra/plugins. */
export async function load(text: string, plugins: Record<string, string> = {}): Promise<Loaded> {
  const home = await tempHome('sarra-plugin-');
  for (const [name, src] of Object.entries(plugins)) await home.writeConfig(`plugins/${name}`, src);
  await home.writeConfig('subscribe/t.conf', `broker amqp://anonymous@localhost\n${text}\n`);
  const o = await loadConfig('subscribe', 't', { env: home.env });
  const file = join(home.home, 'log.txt');
  const log = Logger.create('test', { file, level: 'debug' });
  const hooks = await loadHooks(o, [], { logger: log, env: home.env });
  return {
    o, hooks, home,
    lines: async () => {
      await log.close();
      return (await readFile(file, 'utf8').catch(() => '')).trim().split('\n').filter((l) => l !== '');
    },
  };
}

/** A work item for `relPath` under `baseUrl`, its destination `dir/name` when dir is given. */
export function item(relPath: string, baseUrl = 'http://example.com/', dir?: string): WorkItem {
  const it: WorkItem = { notice: { pubTime: '20261203T150000', baseUrl, relPath } };
  if (dir) {
    it.destRoot = dir;
    it.newDir = dir;
    it.newFile = relPath.replace(/^.*\//, '');
  }
  return it;
}

/** Loads a configuration naming one plugin, runs `fn` with it and its hook, and removes the temporary home. */
export async function withLoaded(text: string, fn: (l: Loaded, h: FlowHook) => Promise<void>): Promise<void> {
  const l = await load(text);
  try {
    if (l.hooks.length !== 1) throw new Error(`expected one hook, got ${l.hooks.length}`);
    await fn(l, l.hooks[0]!);
  } finally {
    await l.home.cleanup();
  }
}
