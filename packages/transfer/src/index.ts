// Public entry of @sarra/transfer: the registry, the pool, path confinement and the Transfer types.
// Drivers themselves are not exported here: they load lazily by scheme.
export type { GetOptions, ReadTarget, RemoteEntry, Transfer, TransferOptions } from './types.js';
export type { Driver } from './registry.js';
export { openTransfer, supportedSchemes, parseTransferUrl } from './registry.js';
export { TransferPool, poolKey } from './pool.js';
export type { CredentialLookup } from './pool.js';
export { confine, confineLink } from './confine.js';
export { classifyError, unsupported } from './classify.js';
export { parseIndexPage } from './httpIndex.js';
export { copyInto } from './target.js';
export { checkLinkTarget, closeCachedDirs, ConfinedDir, openDirUnder, openFileUnder, openParentUnder, realPathsIn } from './confined-fs.js';
export type { WalkOptions } from './confined-fs.js';
export { confinedTransfer } from './remote-confine.js';
export type { WriteScope } from './remote-confine.js';
