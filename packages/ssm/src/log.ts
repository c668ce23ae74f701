// SSM's [logging] section on sarra-ts's logger: the logfile, the console (stderr), or both, at one level.
import { Logger } from '@sarra/common';
import type { SsmConfig } from './options.js';

/** The few log calls the sender and receiver make. */
export interface SsmLog {
  debug(m: string): void;
  info(m: string): void;
  warning(m: string): void;
  error(m: string): void;
  close(): Promise<void>;
}

/** A log for `name` ('ssmsend' | 'ssmreceive') writing where `[logging]` says; stderr when neither is set. */
export function createLog(name: string, logging: SsmConfig['logging']): SsmLog {
  const sinks: Logger[] = [];
  if (logging.logfile) sinks.push(Logger.create(name, { level: logging.level, file: logging.logfile, mode: 0o644 }));
  if (logging.console || sinks.length === 0) sinks.push(Logger.create(name, { level: logging.level }));
  return {
    debug: (m) => sinks.forEach((s) => s.debug(m)),
    info: (m) => sinks.forEach((s) => s.info(m)),
    warning: (m) => sinks.forEach((s) => s.warning(m)),
    error: (m) => sinks.forEach((s) => s.error(m)),
    close: async () => { await Promise.all(sinks.map((s) => s.close())); },
  };
}
