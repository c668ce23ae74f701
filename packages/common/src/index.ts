// Public entry of @sarra/common: errors, units, paths, logger, mkdirp, TLS rigour.
export * from './errors.js';
export * from './units.js';
export * from './paths.js';
export * from './logger.js';
export * from './mkdirp.js';
export * from './tls.js';
