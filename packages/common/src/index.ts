// Public entry of @sarra/common: errors, units, paths, logger, mkdirp.
export * from './errors.js';
export * from './units.js';
export * from './paths.js';
export * from './logger.js';
export * from './mkdirp.js';
