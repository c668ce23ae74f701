// Public entry of @sarra/common/pki: X.509 facts over node:crypto shared by @sarra/ssm (S/MIME) and @sarra/flow
// (signed notices): a small DER reader/writer, legacy slash DNs, capath trust stores, signer allow-lists. A subpath
// of common (the bottom of the dependency line, below both), kept apart from its main entry.
export * from './crypto-error.js';
export * from './der.js';
export * from './oids.js';
export * from './dn.js';
export * from './dns.js';
export * from './trust.js';
