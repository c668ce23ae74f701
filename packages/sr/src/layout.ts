// Where the supervisor finds each instance's files: pid, log, metrics, disabled marker, queue name.
import { join } from 'node:path';
import { instanceStem, logDir, metricsDir, stateDir, type Env } from '@sarra/common';

/** `~/.cache/sarra/<component>/<config>/<component>_<config>_NN.pid` (instance 0 = foreground). */
export function pidFile(component: string, config: string, instance: number, env: Env = process.env): string {
  return join(stateDir(component, config, env), `${instanceStem(component, config, instance)}.pid`);
}

/** `~/.cache/sarra/log/<component>_<config>_NN.log`. */
export function logFile(component: string, config: string, instance: number, env: Env = process.env): string {
  return join(logDir(env), `${instanceStem(component, config, instance)}.log`);
}

/** `~/.cache/sarra/metrics/<component>_<config>_NN.json`. */
export function metricsFile(component: string, config: string, instance: number, env: Env = process.env): string {
  return join(metricsDir(env), `${instanceStem(component, config, instance)}.json`);
}

/** `~/.cache/sarra/<component>/<config>/disabled`: present while the configuration is disabled. */
export function disabledFile(component: string, config: string, env: Env = process.env): string {
  return join(stateDir(component, config, env), 'disabled');
}

/** Parses `<component>_<config>_NN.pid` back to its instance number given the component and config. */
export function instanceOfPidFile(component: string, config: string, name: string): number | undefined {
  const prefix = `${component}_${config}_`;
  if (!name.startsWith(prefix) || !name.endsWith('.pid')) return undefined;
  const tag = name.slice(prefix.length, -4);
  return /^\d{2,3}$/.test(tag) ? Number(tag) : undefined;
}

/**
 * `~/.cache/sarra/<component>/<config>/failed`: written by an instance that stopped on an error a restart would repeat
 * (the broker refused its login); `sr status` shows `fail` with its reason, sanity leaves it stopped, start clears it.
 */
export function failedFile(component: string, config: string, env: Env = process.env): string {
  return join(stateDir(component, config, env), 'failed');
}
