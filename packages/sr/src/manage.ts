// CLI actions on the configuration tree: list, add, remove, edit, enable, disable, log, show, lint, dump.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, copyFile, mkdir, readdir, rm, writeFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDir, describeError, logDir, stateDir } from '@sarra/common';
import { COMPONENTS, builtinPlugins, lintConfig, pluginDir } from '@sarra/config';
import { knownConfigs, lintLine, resolveSelection } from './configs.js';
import type { Ctx } from './context.js';
import { disabledFile, logFile } from './layout.js';
import { effectiveOptions, selection } from './lifecycle.js';
import { instanceProcesses } from './processes.js';
import { pluginTemplate } from './plugin-template.js';
import { statusOf } from './status.js';
import { strays } from './supervisor.js';

/**
 * The example configurations (`configs/<component>/<name>.conf`): beside packages/ in a clone, at the package
 * root when installed from the packed tarball (this module in node_modules/@sarra/sr/dist, tools/pack.sh).
 */
export const EXAMPLES_DIR = [new URL('../../../configs/', import.meta.url), new URL('../../../../configs/', import.meta.url)]
  .map((u) => fileURLToPath(u)).find((d) => existsSync(d)) ?? fileURLToPath(new URL('../../../configs/', import.meta.url));

async function exists(p: string): Promise<boolean> {
  return access(p).then(() => true, () => false);
}

export async function doList(ctx: Ctx): Promise<number> {
  const what = ctx.args.configs[0];
  if (what === 'examples') {
    for (const c of COMPONENTS) {
      const names = await readdir(join(EXAMPLES_DIR, c)).catch(() => [] as string[]);
      for (const n of names.filter((x) => x.endsWith('.conf')).sort()) ctx.out(`${c}/${n}`);
    }
    return 0;
  }
  if (what === 'plugins') {
    ctx.out(`built-in plugins (callback <name>): ${builtinPlugins().join(' ')}`);
    ctx.out(`user plugins (sr add plugin <name> starts one): ${pluginDir(ctx.env)}`);
    return 0;
  }
  ctx.out(`User Configurations: (from: ${configDir(ctx.env)} )`);
  // `sr list subscribe` (what sr_subscribe list runs) or `sr list 'sub*/x*'`: only those
  const patterns = ctx.args.configs.map((p) => (p.includes('/') ? p : `${p}/*`));
  const refs = patterns.length ? (await resolveSelection(patterns, ctx.env)).selected : await knownConfigs(ctx.env);
  for (const r of refs) ctx.out(`${r.component}/${r.config}.conf`);
  ctx.out(`logs are in: ${logDir(ctx.env)}`);
  return 0;
}

/** `sr add plugin <name>`: writes the plugin template to ~/.config/sarra/plugins/<name>.mjs (never over a file). */
async function addPlugin(ctx: Ctx, name: string | undefined): Promise<number> {
  if (!name || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) {
    ctx.err('usage: sr add plugin <name> (letters, digits, _ . -; no directories)');
    return 1;
  }
  const dst = join(pluginDir(ctx.env), `${name}.mjs`);
  await mkdir(pluginDir(ctx.env), { recursive: true });
  try {
    await writeFile(dst, pluginTemplate(name), { flag: 'wx' });
  } catch (e: unknown) {
    ctx.err(`plugin ${name}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? `${dst} already exists` : describeError(e)}`);
    return 1;
  }
  ctx.out(`added ${dst} (name it in a configuration: callback ${name})`);
  return 0;
}

/** `sr add component/name`: copies the example `configs/component/name.conf` into the user tree; `sr add plugin <name>`: a plugin. */
export async function doAdd(ctx: Ctx): Promise<number> {
  if (!ctx.args.configs.length) { ctx.err('usage: sr add <component>/<example> | sr add plugin <name>'); return 1; }
  if (ctx.args.configs[0] === 'plugin') return addPlugin(ctx, ctx.args.configs[1]);
  let rc = 0;
  for (const spec of ctx.args.configs) {
    const [comp, name] = spec.replace(/\.conf$/, '').split('/', 2);
    if (!comp || !name || !COMPONENTS.includes(comp)) { ctx.err(`${spec}: expected <component>/<example>`); rc = 1; continue; }
    const src = join(EXAMPLES_DIR, comp, `${name}.conf`);
    const dst = join(configDir(ctx.env), comp, `${name}.conf`);
    if (!(await exists(src))) { ctx.err(`${spec}: no such example (sr list examples)`); rc = 1; continue; }
    if (await exists(dst)) { ctx.err(`${spec}: ${dst} already exists`); rc = 1; continue; }
    await mkdir(join(configDir(ctx.env), comp), { recursive: true });
    await copyFile(src, dst);
    ctx.out(`added ${dst}`);
  }
  return rc;
}

export async function doRemove(ctx: Ctx): Promise<number> {
  if (!ctx.args.configs.length) { ctx.err('usage: sr remove <component>/<config> ...'); return 1; }
  const refs = await selection(ctx);
  if (!refs) return 1;
  let rc = 0;
  for (const s of await statusOf(refs, ctx.env)) {
    const name = `${s.component}/${s.config}`;
    if (s.running > 0 || s.state === 'fore') { ctx.err(`${name}: running, stop it first`); rc = 1; continue; }
    const ref = refs.find((r) => r.component === s.component && r.config === s.config)!;
    await unlink(ref.file ?? join(configDir(ctx.env), s.component, `${s.config}.conf`));
    await rm(stateDir(s.component, s.config, ctx.env), { recursive: true, force: true });
    ctx.out(`removed ${name}`);
  }
  return rc;
}

/**
 * `sr edit <component>/<name>`: $EDITOR (or $VISUAL, else vi) on the configuration; a name that does not exist yet
 * is created (an empty file in ~/.config/sarra/<component>/) as sr3's edit does. An editor that cannot be run says so.
 */
export async function doEdit(ctx: Ctx): Promise<number> {
  const [want] = ctx.args.configs;
  if (ctx.args.configs.length !== 1 || !want) { ctx.err('usage: sr edit <component>/<config>'); return 1; }
  const { selected } = await resolveSelection([want], ctx.env);
  let file = selected.length === 1 ? selected[0]!.file : undefined;
  if (selected.length > 1) { ctx.err(`edit takes exactly one configuration; ${want} selects ${selected.length}`); return 1; }
  if (!file) {
    const [comp, name] = want.replace(/\.conf$/, '').split('/', 2);
    if (!comp || !name || !COMPONENTS.includes(comp) || /[*?]/.test(name)) {
      ctx.err(`sr edit: ${want}: name a new configuration as <component>/<name>; components: ${COMPONENTS.join(' ')}`);
      return 1;
    }
    file = join(configDir(ctx.env), comp, `${name}.conf`);
    await mkdir(join(configDir(ctx.env), comp), { recursive: true });
    await writeFile(file, '', { flag: 'a' });
    ctx.out(`created ${file}`);
  }
  const editor = ctx.env.EDITOR || ctx.env.VISUAL || 'vi';
  const r = spawnSync(editor, [file], { stdio: 'inherit', shell: false });
  if (r.error) {
    ctx.err(`sr edit: cannot run the editor '${editor}' (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); set EDITOR or VISUAL`);
    return 1;
  }
  return r.status ?? 1;
}

export async function doEnable(ctx: Ctx, enable: boolean): Promise<number> {
  if (!ctx.args.configs.length) { ctx.err(`usage: sr ${enable ? 'enable' : 'disable'} <component>/<config> ...`); return 1; }
  const refs = await selection(ctx);
  if (!refs) return 1;
  let rc = 0;
  for (const s of await statusOf(refs, ctx.env)) {
    const name = `${s.component}/${s.config}`;
    const marker = disabledFile(s.component, s.config, ctx.env);
    if (enable) {
      await rm(marker, { force: true });
      ctx.out(`${name}: enabled`);
    } else if (s.running > 0) {
      ctx.err(`${name}: running, stop it before disabling`);
      rc = 1;
    } else {
      await mkdir(stateDir(s.component, s.config, ctx.env), { recursive: true });
      await writeFile(marker, '');
      ctx.out(`${name}: disabled`);
    }
  }
  return rc;
}

/** `sr log component/config`: tail -f of instance 01's log until interrupted. */
export async function doLog(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs || refs.length !== 1) { ctx.err('log takes exactly one configuration'); return 1; }
  const file = logFile(refs[0]!.component, refs[0]!.config, 1, ctx.env);
  const child = spawn('tail', ['-n', '40', '-F', file], { stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('error', (err) => { ctx.err(`tail: ${err.message}`); resolve(1); });
    child.on('exit', (code) => resolve(code ?? 0));
  });
}

export async function doShow(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  const { ok, failed } = await effectiveOptions(ctx, refs);
  if (ctx.args.json) ctx.out(JSON.stringify(ok.length === 1 && ctx.args.configs.length === 1 ? ok[0] : ok, null, 2));
  else {
    const yaml = await import('js-yaml');
    for (const o of ok) ctx.out(yaml.dump(o, { skipInvalid: true, lineWidth: 160, noRefs: true, sortKeys: false }));
  }
  return failed ? 1 : 0;
}

/**
 * `sr lint`: every problem of every (or each named) configuration as `file:line: message`; exit 1 on any error.
 * A problem of a file several configurations read (credentials.conf, default.conf, an include) is printed and
 * counted once. Ends with `N configurations, E errors, W warnings` on stderr.
 */
export async function doLint(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  let errors = 0, warnings = 0;
  const said = new Set<string>();
  for (const r of refs) {
    if (r.component === 'ssmreceive') { // an SSM receiver: checked by packages/ssm
      const lines = await (await import('./ssmconfigs.js')).ssmLint(r, ctx.env);
      for (const l of lines) ctx.out(l);
      errors += lines.length;
      continue;
    }
    const diags = await lintConfig(r.component, r.file ?? r.config, { env: ctx.env, extraLines: ctx.args.extraLines });
    for (const d of diags) {
      const line = lintLine(d);
      if (said.has(line)) continue;
      said.add(line);
      if (d.severity === 'error') errors++;
      else warnings++;
      ctx.out(line);
    }
  }
  ctx.err(`${plural(refs.length, 'configuration')}, ${plural(errors, 'error')}, ${plural(warnings, 'warning')}`);
  return errors ? 1 : 0;
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

/** `sr dump`: processes, configs and states as one JSON document (for grep and scripts). */
export async function doDump(ctx: Ctx): Promise<number> {
  const known = await knownConfigs(ctx.env);
  const [procs, lost, states] = await Promise.all([instanceProcesses(ctx.env), strays(known, ctx.env), statusOf(known, ctx.env)]);
  const disabled = await Promise.all(known.map((r) => exists(disabledFile(r.component, r.config, ctx.env))));
  ctx.out(JSON.stringify({
    processes: procs.map((p) => ({ pid: p.pid, component: p.component, config: p.config, instance: p.instance, cmdline: p.argv.join(' ') })),
    strays: lost.map((p) => p.pid),
    configs: known.map((r, i) => ({ component: r.component, config: r.config, file: r.file, disabled: disabled[i] })),
    states: states.map((s) => ({ component: s.component, config: s.config, state: s.state, instance_pids: s.pids,
      expected: s.expected, missing: s.missing, queued: s.queued, retry: s.retry })),
  }, null, 2));
  return 0;
}
