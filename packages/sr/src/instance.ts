// Entry of one detached instance process: `node instance.js <component> <config> <N>` (spawned by `sr start`).
// Kept free of the CLI (no yargs, no YAML, no axios) so an idle instance stays small.
import { describeError } from '@sarra/common';
import { writeFailure } from './failed.js';
import { removePid, writePid } from './pidfiles.js';
import { waitAtGate } from './startgate.js';
import { LOG_STDOUT_ENV, spawnInstance } from './spawn.js';

async function main(): Promise<number> {
  const [component, config, n] = process.argv.slice(2);
  const instance = Number(n);
  if (!component || !config || !Number.isInteger(instance)) {
    process.stderr.write('usage: instance <component> <config> <instance>\n');
    return 2;
  }
  await writePid(component, config, instance, process.pid);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // the flow engine is loaded only after `sr start` has finished spawning the whole batch
  await waitAtGate();
  if (component === 'ssmreceive') { // an SSM receiver (packages/ssm): its own INI file, one instance
    const rc = await (await import('./ssmconfigs.js')).runSsmInstance(config);
    if (rc === 0) await removePid(component, config, instance, process.pid);
    return rc;
  }
  const { runInstance, EXIT_RESTART, EXIT_REFUSED } = await import('@sarra/components');
  let code: number;
  try {
    // `sr --logStdout start`: the command line's logStdout reaches the instance through its environment
    const extraLines = process.env[LOG_STDOUT_ENV] === '1' ? ['logStdout on'] : undefined;
    // a refused login stops for good: recorded for sr status (state fail) and sanity, which then leaves it stopped
    const onRefused = (reason: string): Promise<void> => writeFailure(component, config, instance, reason);
    code = await runInstance({ component, config, instance, foreground: false, signal: abort.signal, extraLines, onRefused });
  } catch (err: unknown) {
    process.stderr.write(`${new Date().toISOString()} [CRITICAL] ${component}/${config}:${instance} ${describeError(err)}\n`);
    return 1;
  }
  // a stop asked meanwhile (sr stop's SIGTERM) wins over a restart: nothing is started behind sr stop's back
  if (code === EXIT_RESTART && abort.signal.aborted) code = 0;
  // a clean exit removes the pid file; a crash leaves it so `sr sanity` sees the instance as missing and restarts it
  if (code === 0 || code === EXIT_REFUSED) await removePid(component, config, instance, process.pid);
  // stopped cleanly to be restarted (MemoryMax; sr3 re-executes itself): the replacement starts now, its pid in the
  // pid file; if it cannot be spawned, the pid file left behind lets `sr sanity` restart the instance
  if (code === EXIT_RESTART) {
    try {
      const pid = await spawnInstance(component, config, instance, process.env, { logStdout: process.env[LOG_STDOUT_ENV] === '1' });
      process.stderr.write(`${new Date().toISOString()} [INFO] ${component}/${config}:${instance} restarted as pid ${pid}\n`);
    } catch (err: unknown) {
      process.stderr.write(`${new Date().toISOString()} [ERROR] ${component}/${config}:${instance} restart failed: ${describeError(err)}\n`);
    }
  }
  return code;
}

main().then((code) => { process.exitCode = code; }, (err: unknown) => {
  process.stderr.write(`instance: ${describeError(err)}\n`);
  process.exitCode = 1;
});
