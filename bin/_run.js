// Shared launcher of the sr commands. An install (npm install -g, the packed tarball, a Docker image) runs the
// built CLI (dist/) and never needs tsx. A development clone runs its TypeScript sources through tsx in this same
// process when asked (SARRA_FROM_SOURCE=1, as tools/test.sh does), or when tsx is installed beside this file (the
// clone's devDependencies, never the current directory's) and the sources are newer than the build or there is
// no build, so a stale build never hides an edit. SARRA_FROM_DIST=1 forces the build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { register } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// a clone or `npm install -g <clone>` has packages/; the packed tarball bundles them as node_modules/@sarra/*
const srDir = existsSync(`${root}packages/sr`) ? `${root}packages/sr` : `${root}node_modules/@sarra/sr`;
const dist = `${srDir}/dist/cli.js`;

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

/** True when tsx resolves from this installation (not from the current directory). */
function tsxInstalled() {
  try { import.meta.resolve('tsx'); return true; } catch { return false; }
}

function useSources() {
  if (process.env.SARRA_FROM_SOURCE) return true;
  if (process.env.SARRA_FROM_DIST || !existsSync(`${srDir}/src`) || !tsxInstalled()) return false;
  return !existsSync(dist) || statSync(dist).mtimeMs < newestSource();
}

async function loadCli() {
  if (!useSources()) {
    if (existsSync(dist)) return import(pathToFileURL(dist).href);
    process.stderr.write(`sr: sarra-ts is not built: run \`npm ci && npm run build\` in ${root} (or install the package: README, "Install")\n`);
    process.exit(1);
  }
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  register(SOURCE_CONDITION);
  return import(pathToFileURL(`${srDir}/src/cli.ts`).href);
}

/** Runs `sr` with these arguments, or the v2 command `sr_<component>` when `v2Component` is given. */
export async function run(argv, v2Component) {
  const cli = await loadCli();
  const args = v2Component ? cli.v2Argv(v2Component, argv) : argv;
  const code = await cli.main(args);
  process.exitCode = code;
  // status --serve, foreground and log keep running on their own; everything else may exit now
}
