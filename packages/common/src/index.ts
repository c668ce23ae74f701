// Public entry of @sarra/common: errors, units, layout (every file an instance writes), logger, secrets (redaction, credentials lookup), mkdirp, TLS rigour.
export * from './errors.js';
export * from './units.js';
export * from './layout.js';
export * from './logger.js';
export * from './secrets.js';
export * from './mkdirp.js';
export * from './tls.js';
export { logFormatError } from './log-format.js';
export { parseSyslogTarget } from './log-syslog.js';
export { splitHostList } from './host-list.js';
export { holdStatusLine } from './log-transports.js';
