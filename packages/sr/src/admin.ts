// CLI actions on the broker: declare (setup) and cleanup of the selected configurations.
import { postExchanges, type Options } from '@sarra/config';
import { tryLoad } from './configs.js';
import type { Ctx } from './context.js';
import { cleanupPostExchanges, cleanupQueue, declareConfig, eachConfig, removeStateFiles, subscribeExchangesOf } from './declare.js';
import { runConfigHooks } from './plugin-verbs.js';
import { selection } from './lifecycle.js';
import { statusOf } from './status.js';
import { declareUsers } from './users.js';

async function loadAll(ctx: Ctx, refs: { component: string; config: string; file?: string }[]): Promise<{ opts: Options[]; failed: number }> {
  const opts: Options[] = [];
  let failed = 0;
  for (const r of refs) {
    const { options, error } = await tryLoad(r, ctx.env, ctx.args.extraLines);
    if (options) opts.push(options);
    else { failed++; ctx.err(`${r.component}/${r.config}: ${error}`); }
  }
  return { opts, failed };
}

/** `sr declare [--users]`: exchanges, queues and bindings of every selected configuration (idempotent), then its plugins' onDeclare. */
export async function doDeclare(ctx: Ctx): Promise<number> {
  let rc = 0;
  if (ctx.args.users) rc = await declareUsers(ctx);
  const refs = await selection(ctx);
  if (!refs) return 1;
  const { opts, failed } = await loadAll(ctx, refs);
  const failures = await eachConfig(opts, (o) => declareConfig(o, ctx.out, ctx.env));
  // sr3: every configuration's on_declare, once everything is declared
  failures.push(...await eachConfig(opts, (o) => runConfigHooks(o, 'onDeclare', ctx.env)));
  for (const f of failures) ctx.err(f);
  return rc || failed || failures.length ? 1 : 0;
}

/**
 * `sr cleanup`: deletes each selected configuration's queue, then the exchanges it posts to when unused
 * (cleanupPostExchanges; never the exchanges it reads from, sr3), calls its plugins' onCleanup, deletes its state files
 * (onCleanup and the state files only once its queue and exchanges are gone). Refused while running; more than one configuration needs
 * --dangerWillRobinson=<count>, as in sr3.
 */
export async function doCleanup(ctx: Ctx): Promise<number> {
  const refs = await selection(ctx);
  if (!refs) return 1;
  const danger = Number(ctx.args.dangerWillRobinson);
  if (refs.length > 1 && danger !== refs.length) {
    ctx.err(`cleanup of ${refs.length} configurations needs --dangerWillRobinson=${refs.length}`);
    return 1;
  }
  const running = (await statusOf(refs, ctx.env)).filter((s) => s.running > 0 || s.state === 'fore');
  for (const s of running) ctx.err(`${s.component}/${s.config}: running, stop it before cleanup`);
  if (running.length) return 1;
  const { opts, failed } = await loadAll(ctx, refs);
  // exchanges other configurations read from or post to must survive
  const { knownConfigs } = await import('./configs.js');
  const others = (await knownConfigs(ctx.env)).filter((k) => !refs.some((r) => r.component === k.component && r.config === k.config));
  const { opts: otherOpts } = await loadAll({ ...ctx, err: () => {} }, others);
  const usedElsewhere = new Set(otherOpts.flatMap((o) => [...subscribeExchangesOf(o), ...(o.post_broker ? postExchanges(o) : [])]));
  // sr3's order: queues, exchanges, the plugins' on_cleanup, then the state files. A configuration goes to its next
  // step only when the last one worked: one whose queue or exchanges could not be deleted (broker down) keeps its
  // state files (the recorded queue name), so a later cleanup can finish the job.
  const failures: string[] = [];
  const step = async (list: Options[], fn: (o: Options) => Promise<void>): Promise<Options[]> => {
    const done: Options[] = [];
    for (const o of list) {
      const f = await eachConfig([o], fn);
      failures.push(...f);
      if (!f.length) done.push(o);
    }
    return done;
  };
  const queuesGone = await step(opts, (o) => cleanupQueue(o, ctx.out, ctx.env));
  const cleaned = await step(queuesGone, (o) => cleanupPostExchanges(o, ctx.out, usedElsewhere));
  await step(cleaned, (o) => runConfigHooks(o, 'onCleanup', ctx.env));
  await step(cleaned, (o) => removeStateFiles(o, ctx.env));
  for (const f of failures) ctx.err(f);
  return failed || failures.length ? 1 : 0;
}
