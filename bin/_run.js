// Shared launcher of the sr commands: the built CLI (packages/sr/dist) when present and not older than the
// sources, else the TypeScript sources through tsx in this same process (so a fresh clone works without a build
// and a stale build never hides an edit). SARRA_FROM_SOURCE=1 forces sources, SARRA_FROM_DIST=1 the build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}packages/sr/dist/cli.js`;

/** Resolve hook adding the `source` export condition, so workspace packages resolve to their src/index.ts. */
const SOURCE_CONDITION = 'data:text/javascript,' + encodeURIComponent(
  'export async function resolve(s, c, n) { return n(s, { ...c, conditions: [...new Set([...(c.conditions || []), "source"])] }); }');

/** Newest modification time (ms) of any packages/<pkg>/src file: a few hundred stats, a few ms. */
function newestSource() {
  let newest = 0;
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  for (const pkg of readdirSync(`${root}packages`)) {
    if (existsSync(`${root}packages/${pkg}/src`)) walk(`${root}packages/${pkg}/src`);
  }
  return newest;
}

function useDist() {
  if (process.env.SARRA_FROM_SOURCE) return false;
  if (!existsSync(dist)) return false;
  if (process.env.SARRA_FROM_DIST || !existsSync(`${root}packages/sr/src`)) return true;
  return statSync(dist).mtimeMs >= newestSource();
}

async function loadCli() {
  if (useDist()) return import(pathToFileURL(dist).href);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  register(SOURCE_CONDITION);
  return import(pathToFileURL(`${root}packages/sr/src/cli.ts`).href);
}

/** Runs `sr` with these arguments, or the v2 command `sr_<component>` when `v2Component` is given. */
export async function run(argv, v2Component) {
  const cli = await loadCli();
  const args = v2Component ? cli.v2Argv(v2Component, argv) : argv;
  const code = await cli.main(args);
  process.exitCode = code;
  // status --serve, foreground and log keep running on their own; everything else may exit now
}
