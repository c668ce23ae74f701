// CLI actions that run or inspect instances: start, stop, restart, status, sanity, foreground, post.
import { COMPONENTS, showOptions, type Options } from '@sarra/config';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configDir, describeError, parseFlag, type Env } from '@sarra/common';
import { configErrors, exposedCredentials, knownConfigs, resolveSelection, tryLoad } from './configs.js';
import type { Ctx } from './context.js';
import { removePid, writePid } from './pidfiles.js';
import type { ConfigRef } from './select.js';
import { statusOf } from './status.js';
import { sanity, start, stop, strays } from './supervisor.js';
import { formatStatus } from './table.js';

/** Resolves the selection, complaining about patterns that match nothing; exits 1 via the return value when none match. */
export async function selection(ctx: Ctx): Promise<ConfigRef[] | undefined> {
  const { selected, unmatched } = await resolveSelection(ctx.args.configs, ctx.env);
  for (const p of unmatched) ctx.err(`no configuration matches ${p}`);
  if (unmatched.length && !selected.length) return undefined;
  return selected;
}

/** One line and true when credentials.conf is exposed (see exposedCredentials): the action must do nothing. */
async function refusedForCredentials(ctx: Ctx, refs: ConfigRef[], what: string): Promise<boolean> {
  const why = await exposedCredentials(refs, ctx.env);
  if (why) ctx.err(`${what}: ${why}`);
  return !!why;
}

/**
 * sr3's way: instances read their files only; options given to start or restart are said to be ignored, except
 * logStdout (`sr3 --logStdout start`, the use sr3 documents), which start passes on to the instances it spawns.
 */
function ignoredOverrides(ctx: Ctx): void {
  const ignored = ctx.args.extraLines.filter((l) => !LOG_STDOUT_LINE.test(l.trim()));
  if (ignored.length) {
    ctx.err(`sr ${ctx.args.action}: instances read their configuration files only; ignored: ${ignored.join(', ')}` +
      ' (foreground, post, show, lint, declare and cleanup take command-line options; start takes logStdout)');
  }
}

const LOG_STDOUT_LINE = /^logStdout(?:\s+(\S+))?$/;

/** `sr --logStdout start` (sr3): the command line's last logStdout line, as a flag. */
function logStdoutOf(lines: readonly string[]): boolean {
  let on = false;
  for (const l of lines) {
    const m = LOG_STDOUT_LINE.exec(l.trim());
    if (m) on = m[1] === undefined || parseFlag(m[1]);
  }
  return on;
}

export async function doStart(ctx: Ctx): Promise<number> {
  if (ctx.args.action === 'start') ignoredOverrides(ctx);
  const refs = await selection(ctx);
  if (!refs) return 1;
  if (await refusedForCredentials(ctx, refs, 'refused to start, nothing started')) return 1;
  const res = await start(refs, ctx.env, ctx.out, { logStdout: logStdoutOf(ctx.args.extraLines) });
  for (const r of res.refused) {
    ctx.err(`${r.ref.component}/${r.ref.config}: refused to start, configuration has errors:`);
    for (const e of r.errors) ctx.err(`  ${e}`);
  }
  return res.refused.length ? 1 : 0;
}

export async function doStop(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  await stop(refs, ctx.env, ctx.out, { foreground: !!ctx.args.dangerWillRobinson });
  if (ctx.args.configs.length === 0) {
    // stopping everything also stops strays (instances of removed configurations, lost pid files)
    const lost = await strays(await knownConfigs(ctx.env), ctx.env);
    if (lost.length) {
      const { terminate } = await import('./supervisor.js');
      await terminate(lost.map((s) => s.pid));
      ctx.out(`stopped ${lost.length} stray instance(s): ${lost.map((s) => s.pid).join(' ')}`);
    }
  }
  return 0;
}

export async function doRestart(ctx: Ctx): Promise<number> {
  ignoredOverrides(ctx);
  // checked before the stop: a restart that cannot start again must not stop what runs
  const { selected } = await resolveSelection(ctx.args.configs, ctx.env);
  if (await refusedForCredentials(ctx, selected, 'refused to restart, nothing stopped or started')) return 1;
  // a configuration that would be refused at start is not stopped either: it keeps running as it is
  const broken: ConfigRef[] = [];
  for (const ref of selected) {
    const { errors } = await configErrors(ref, ctx.env);
    if (!errors.length) continue;
    broken.push(ref);
    ctx.err(`${ref.component}/${ref.config}: refused to restart (left as it is), configuration has errors:`);
    for (const e of errors) ctx.err(`  ${e}`);
  }
  if (!broken.length) {
    const rc = await doStop(ctx);
    return rc || doStart(ctx);
  }
  const good = selected.filter((r) => !broken.includes(r));
  await stop(good, ctx.env, ctx.out, { foreground: !!ctx.args.dangerWillRobinson });
  await start(good, ctx.env, ctx.out);
  return 1;
}

export async function doStatus(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  // the page of `sr serve` (one server, one page), for this selection, on 127.0.0.1
  if (ctx.args.serve !== undefined) {
    const { serveUntilSignal, startMetricsServer } = await import('./metrics-server.js');
    await serveUntilSignal(await startMetricsServer({ port: ctx.args.serve, bind: '127.0.0.1', refs: () => Promise.resolve(refs), env: ctx.env }), ctx.out);
    return 0;
  }
  const [rows, lost] = await Promise.all([statusOf(refs, ctx.env, Date.now(), ctx.args.full), strays(await knownConfigs(ctx.env), ctx.env)]);
  if (ctx.args.json) ctx.out(JSON.stringify(rows, null, 2));
  else ctx.out(formatStatus(rows, { full: ctx.args.full, strays: lost.length }));
  return 0;
}

/**
 * `sr run` (containers): start, then stay in the foreground running `sanity` every 30 s until SIGTERM/SIGINT,
 * then stop everything. Exit code 1 if some configuration was refused.
 */
export async function doRun(ctx: Ctx): Promise<number> {
  const rc = await doStart(ctx);
  const refs = await selection(ctx);
  if (!refs) return 1;
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  while (!abort.signal.aborted) {
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 30_000);
      abort.signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
    });
    if (!abort.signal.aborted) await sanity(refs, await knownConfigs(ctx.env), ctx.env, ctx.out);
  }
  await stop(refs, ctx.env, ctx.out);
  return rc;
}

export async function doSanity(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  await sanity(refs, await knownConfigs(ctx.env), ctx.env, ctx.out);
  return 0;
}

/**
 * The options of a configuration about to run in the foreground, or undefined after printing, as `sr start`
 * does, every error `sr lint` reports for it (nothing runs then).
 */
async function runnable(ctx: Ctx, ref: ConfigRef): Promise<Options | undefined> {
  const { options, errors } = await configErrors(ref, ctx.env, ctx.args.extraLines);
  if (options && !errors.length) return options;
  ctx.err(`${ref.component}/${ref.config}: refused to run, configuration has errors:`);
  for (const e of errors) ctx.err(`  ${e}`);
  return undefined;
}

/** Runs instance 0 of one configuration in this process, logging to stderr, until SIGINT/SIGTERM (or done). */
async function runForeground(ctx: Ctx, ref: ConfigRef, paths?: string[]): Promise<number> {
  // loaded only here: status, start and stop never pay for the flow engine
  const { runInstance } = await import('@sarra/components');
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  await writePid(ref.component, ref.config, 0, process.pid, ctx.env);
  try {
    // a configuration outside ~/.config/sarra (sr post -c ./x.conf) is named by its path
    const outside = ref.file !== undefined && !ref.file.startsWith(configDir(ctx.env) + '/');
    return await runInstance({ component: ref.component, config: outside ? ref.file! : ref.config, instance: 0, foreground: true,
      env: ctx.env, signal: abort.signal, extraLines: ctx.args.extraLines, ...(paths ? { paths } : {}) });
  } finally {
    await removePid(ref.component, ref.config, 0, process.pid, ctx.env);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function doForeground(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  if (refs.length !== 1) {
    ctx.err(`foreground runs exactly one configuration; ${refs.length} selected`);
    return 1;
  }
  if (await refusedForCredentials(ctx, refs, 'refused to run, nothing started')) return 1;
  if (!(await runnable(ctx, refs[0]!))) return 1;
  return runForeground(ctx, refs[0]!);
}

/** True when `word` names a configuration (`post/x`, `x` in post/, or a `.conf` file), not a path to post. */
async function namesConfig(word: string | undefined, env: Env): Promise<boolean> {
  if (!word) return false;
  const isFile = (p: string): Promise<boolean> => stat(p).then((s) => s.isFile(), () => false);
  const [comp, cfg] = word.includes('/') ? word.replace(/\.conf$/, '').split('/', 2) : ['post', word.replace(/\.conf$/, '')];
  if (COMPONENTS.includes(comp!) && await isFile(join(configDir(env), comp!, `${cfg}.conf`))) return true;
  return word.endsWith('.conf') && isFile(word);
}

const POST_USAGE = 'usage: sr post -c post/<config> <path> ...  or, with no configuration file (sr3_post):' +
  ' sr post -pb <broker> -pbu <post_baseUrl> [-pe <exchange>] [--option value ...] <path> ...';

/**
 * `sr post -c post/<cfg> [paths...]` (and `sr_post`): one-shot post of the paths, in the foreground. As sr3_post,
 * it also runs with no configuration file at all when the options are on the command line (`-pb`, `-pbu`, ...).
 */
export async function doPost(ctx: Ctx): Promise<number> {
  const name = ctx.args.config ?? (await namesConfig(ctx.args.configs[0], ctx.env) ? ctx.args.configs[0] : undefined);
  const paths = ctx.args.config || !name ? ctx.args.configs : ctx.args.configs.slice(1);
  if (!name && !ctx.args.extraLines.length) {
    ctx.err(POST_USAGE);
    return 1;
  }
  let ref: ConfigRef;
  let scratch: string | undefined;
  if (!name) {
    // nothing but the command line: an empty configuration the options are read after (post/commandline)
    scratch = await mkdtemp(join(tmpdir(), 'sarra-post-'));
    const file = join(scratch, 'commandline.conf');
    await writeFile(file, '# sr post: every option came from the command line\n');
    ref = { component: 'post', config: 'commandline', file };
  } else if (name.endsWith('.conf') && name.includes('/') && !COMPONENTS.includes(name.split('/')[0]!)) {
    ref = { component: 'post', config: name.replace(/^.*\//, '').replace(/\.conf$/, ''), file: name };
  } else {
    const [comp, cfg] = name.includes('/') ? name.replace(/\.conf$/, '').split('/', 2) : ['post', name.replace(/\.conf$/, '')];
    ref = { component: comp!, config: cfg! };
  }
  try {
    const options = await runnable(ctx, ref);
    if (!options) return 1;
    if (!paths.length && !options.path.length) {
      ctx.err(`nothing to post: give paths on the command line or \`path\` lines in the configuration\n${POST_USAGE}`);
      return 1;
    }
    return await runForeground(ctx, ref, paths.length ? paths : undefined);
  } catch (err: unknown) {
    ctx.err(describeError(err));
    return 1;
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

/** Used by `sr show`: the effective options of each selected configuration. */
export async function effectiveOptions(ctx: Ctx, refs: ConfigRef[]): Promise<{ ok: Record<string, unknown>[]; failed: number }> {
  const ok: Record<string, unknown>[] = [];
  let failed = 0;
  for (const r of refs) {
    if (r.component === 'ssmreceive') { // an SSM receiver: its own INI options (packages/ssm)
      const { shown, error } = await (await import('./ssmconfigs.js')).ssmShow(r, ctx.env);
      if (shown) ok.push(shown);
      else { failed++; ctx.err(`${r.component}/${r.config}: ${error}`); }
      continue;
    }
    const { options, error } = await tryLoad(r, ctx.env, ctx.args.extraLines);
    if (options) ok.push(showOptions(options));
    else { failed++; ctx.err(`${r.component}/${r.config}: ${error}`); }
  }
  return { ok, failed };
}
