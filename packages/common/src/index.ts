// Public entry of @sarra/common: errors, units, paths, logger, secrets (redaction, credentials lookup), mkdirp, TLS rigour.
export * from './errors.js';
export * from './units.js';
export * from './paths.js';
export * from './logger.js';
export * from './secrets.js';
export * from './mkdirp.js';
export * from './tls.js';
