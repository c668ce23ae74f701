// The ssmsend / ssmreceive command lines, as SSM's: -c/--config, -d/--dn_file (receiver), -l/--log_config
// (accepted: sarra-ts logs as [logging] says). `sr ssmsend ...`, `sr ssmreceive ...` and bin/ssm*.js land here.
import { describeError, SarraError } from '@sarra/common';
import { loadConfig } from './options.js';
import { createLog } from './log.js';
import { runSender } from './sender.js';
import { runReceiver } from './receiver.js';

/** The two commands. */
export type SsmVerb = 'ssmsend' | 'ssmreceive';

/** Parsed flags of one command. */
export interface SsmArgs { config: string; dnFile: string; logConfig?: string; help: boolean }

const DEFAULTS: Record<SsmVerb, string> = { ssmsend: '/etc/apel/sender.cfg', ssmreceive: '/etc/apel/receiver.cfg' };
const USAGE: Record<SsmVerb, string> = {
  ssmsend: 'usage: ssmsend [-c|--config sender.cfg] [-l|--log_config logging.cfg]',
  ssmreceive: 'usage: ssmreceive [-c|--config receiver.cfg] [-d|--dn_file dns] [-l|--log_config logging.cfg]',
};

/** Parses SSM's flags (`-c x`, `--config x`, `--config=x`); throws an Error naming a bad one. */
export function parseSsmArgs(verb: SsmVerb, argv: string[]): SsmArgs {
  const a: SsmArgs = { config: DEFAULTS[verb], dnFile: '/etc/apel/dns', help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '-c' || flag === '--config') a.config = value();
    else if ((flag === '-d' || flag === '--dn_file') && verb === 'ssmreceive') a.dnFile = value();
    else if (flag === '-l' || flag === '--log_config') a.logConfig = value();
    else if (flag === '-h' || flag === '--help') a.help = true;
    else throw new Error(`unknown argument '${argv[i]}'`);
  }
  return a;
}

/** Runs `verb` with `argv`; resolves to the exit code (0 ok, 1 failed, 2 usage). */
export async function ssmMain(verb: SsmVerb, argv: string[]): Promise<number> {
  let args: SsmArgs;
  try {
    args = parseSsmArgs(verb, argv);
  } catch (err: unknown) {
    process.stderr.write(`${verb}: ${describeError(err)}\n${USAGE[verb]}\n`);
    return 2;
  }
  if (args.help) { process.stdout.write(`${USAGE[verb]}\n`); return 0; }
  let cfg;
  try {
    cfg = await loadConfig(args.config, verb === 'ssmsend' ? 'sender' : 'receiver');
  } catch (err: unknown) {
    process.stderr.write(`${verb}: ${describeError(err)}\n`);
    return 1;
  }
  const log = createLog(verb, cfg.logging);
  if (args.logConfig) log.info(`--log_config ${args.logConfig} accepted; logging follows [logging] of ${args.config}`);
  const stop = new AbortController();
  const onSignal = (sig: string) => { log.info(`Received the shutdown signal: ${sig}`); stop.abort(); };
  process.once('SIGTERM', onSignal).once('SIGINT', onSignal);
  try {
    if (verb === 'ssmsend') await runSender(cfg, log, { signal: stop.signal });
    else await runReceiver(cfg, args.dnFile, log, stop.signal);
    log.info('SSM has shut down.');
    return 0;
  } catch (err: unknown) {
    log.error(`SSM failed to complete successfully: ${err instanceof SarraError ? `${err.code} ` : ''}${describeError(err)}`);
    if (!cfg.logging.console) process.stderr.write(`${verb}: ${describeError(err)}\n`);
    return 1;
  } finally {
    process.off('SIGTERM', onSignal).off('SIGINT', onSignal);
    await log.close();
  }
}
