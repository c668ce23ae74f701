// Where the supervisor finds each instance's files: pid, log and metrics names come from common's layout (the
// one module the instances use too); the markers only sr writes (disabled) are named here.
import { join } from 'node:path';
import { stateDir, type Env } from '@sarra/common';

export { pidFile, logFile, metricsFile, instanceOfPidFile } from '@sarra/common';

/** `~/.cache/sarra/<component>/<config>/disabled`: present while the configuration is disabled. */
export function disabledFile(component: string, config: string, env: Env = process.env): string {
  return join(stateDir(component, config, env), 'disabled');
}

/**
 * `~/.cache/sarra/<component>/<config>/failed`: written by an instance that stopped on an error a restart would repeat
 * (the broker refused its login); `sr status` shows `fail` with its reason, sanity leaves it stopped, start clears it.
 */
export function failedFile(component: string, config: string, env: Env = process.env): string {
  return join(stateDir(component, config, env), 'failed');
}

/** `~/.cache/sarra/<component>/<config>/restarts`: crashed instances sr sanity restarted, per instance (JSON), since the last start. */
export function restartsFile(component: string, config: string, env: Env = process.env): string {
  return join(stateDir(component, config, env), 'restarts');
}
