// runInstance: one instance of one configuration, from loading its options to a clean stop and an exit code.
import { hostname } from 'node:os';
import type { Env } from '@sarra/common';
import { describeError, instanceTag, logDir, logFile, Logger, logLevelOf, metricsDir, metricsFile, mkdirp, hostEnv, stateDir } from '@sarra/common';
import { loadConfig } from '@sarra/config';
import type { Options } from '@sarra/config';
import { Flow, Metrics } from '@sarra/flow';
import { TransferPool } from '@sarra/transfer';
import { COMPONENT_SPECS } from './registry.js';
import { EXIT_RESTART, type InstanceContext } from './context.js';
import { EXIT_REFUSED, refusalReason } from './refused.js';

/** Arguments of runInstance (CONTRACTS.md). */
export interface RunInstanceArgs {
  component: string;
  config: string;
  /** 1..N; 0 = foreground (sr3). */
  instance: number;
  /** Log to stderr instead of the instance log file. */
  foreground: boolean;
  /** Environment used for paths and ${VAR}s. @default process.env */
  env?: Env;
  /** Stops the instance; without one, SIGTERM/SIGINT do. */
  signal?: AbortSignal;
  /** Option lines applied last (CLI overrides). */
  extraLines?: string[];
  /** Paths given on the command line (post, watch). */
  paths?: string[];
  /** Told the reason when the instance stops with EXIT_REFUSED (sr's instance entry records it for sr status). */
  onRefused?: (reason: string) => Promise<void>;
}

function makeLogger(args: RunInstanceArgs, env: Env, o?: Options): Logger {
  const name = `${args.component}/${args.config}:${instanceTag(args.instance)}`;
  // every destination: the same layout (sr3's line, logFormat, or logJson) and, with logSyslog, a copy to syslog/journald
  const common = { level: logLevelOf(o?.logLevel), format: o?.logFormat, json: o?.logJson, syslog: o?.logSyslog };
  // logStdout (sr3): no log file, no rotation; lines go to standard output for a container or a supervisor to keep
  if (o?.logStdout) return Logger.create(name, { ...common, stdout: true });
  if (args.foreground) return Logger.create(name, common);
  return Logger.create(name, {
    ...common,
    file: logFile(args.component, args.config, args.instance, env),
    mode: o?.permLog || 0o600,
    rotateInterval: o?.logRotateInterval || 86400,
    rotateCount: o?.logRotateCount ?? 5,
  });
}

/**
 * Runs one instance until its signal aborts (SIGTERM/SIGINT when none is given) or a one-shot flow is done.
 * Logs to `~/.cache/sarra/log/<component>_<config>_NN.log` (stderr when foreground, stdout with logStdout), writes metrics to
 * `~/.cache/sarra/metrics/<component>_<config>_NN.json`, keeps state in `~/.cache/sarra/<component>/<config>/`.
 * @returns 0 after a clean stop; EXIT_RESTART after a clean stop to be restarted (memory past its limit); EXIT_REFUSED
 *   when the broker refused the login or vhost at the first connect; 1 for a configuration error (logged with
 *   file:line) or a fatal error.
 */
export async function runInstance(args: RunInstanceArgs): Promise<number> {
  const env = args.env ?? process.env;
  await mkdirp(logDir(env)).catch(() => {});
  let o: Options;
  try {
    o = await loadConfig(args.component, args.config, { env, extraLines: args.extraLines });
  } catch (err: unknown) {
    const log = makeLogger(args, env);
    log.critical(`configuration error: ${describeError(err)}`);
    await log.close();
    return 1;
  }
  // statehost: this host's own log, metrics and state directories (sr3), named from here on through `henv`
  const henv = hostEnv(env, o.statehost);
  if (o.statehost) await mkdirp(logDir(henv)).catch(() => {});
  const logger = makeLogger(args, henv, o);
  const ctl = new AbortController();
  const stop = (): void => ctl.abort();
  let restartWhy: string | undefined;
  const ownSignals = !args.signal;
  if (ownSignals) {
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  } else if (args.signal!.aborted) ctl.abort();
  else args.signal!.addEventListener('abort', stop, { once: true });
  const spec = COMPONENT_SPECS.get(args.component);
  let code = 0;
  const pool = new TransferPool({ timeout: o.timeout, credentials: o.credentials, signal: ctl.signal, tlsRigour: o.tlsRigour });
  try {
    if (!spec) throw new Error(`unknown component ${args.component}`);
    const dir = stateDir(args.component, args.config, henv);
    await mkdirp(dir);
    await mkdirp(metricsDir(henv));
    const metrics = new Metrics(metricsFile(args.component, args.config, args.instance, henv), {
      component: args.component, config: args.config, instance: args.instance, pid: process.pid, hostname: hostname(),
    });
    const ctx: InstanceContext = {
      o, logger, instance: args.instance, foreground: args.foreground, stateDir: dir, metrics, pool, signal: ctl.signal, env: henv, paths: args.paths,
      restart: (why) => {
        restartWhy ??= why;
        ctl.abort();
      },
    };
    const built = await spec.build(ctx);
    logger.info(`starting ${args.component}/${args.config} instance ${args.instance} pid ${process.pid}`);
    try {
      await new Flow(o, built).run(ctl.signal);
    } finally {
      await built.close?.().catch((e: unknown) => logger.warning(`close: ${describeError(e)}`));
    }
    metrics.close();
    code = restartWhy !== undefined ? EXIT_RESTART : built.exitCode?.() ?? 0;
    logger.info(restartWhy !== undefined ? `stopped to restart (exit ${code}): ${restartWhy}` : `stopped (exit ${code})`);
  } catch (err: unknown) {
    const refused = refusalReason(err, o);
    logger.critical(refused ?? `fatal: ${describeError(err)}`);
    code = refused ? EXIT_REFUSED : 1;
    if (refused) await args.onRefused?.(refused).catch((e: unknown) => logger.warning(`cannot record the refusal: ${describeError(e)}`));
  } finally {
    if (ownSignals) {
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
    } else args.signal!.removeEventListener('abort', stop);
    await pool.closeAll().catch(() => {});
    await logger.close();
  }
  return code;
}
