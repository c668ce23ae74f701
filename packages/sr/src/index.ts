// Public entry of @sarra/sr: the supervisor (start/stop/sanity), status, selection, and the CLI entry.
export { main, parseArgs, v2Argv, ACTIONS } from './cli.js';
export { start, stop, sanity, strays, terminate, type StartResult, type Say } from './supervisor.js';
export { statusOf, observe } from './status.js';
export { deriveStatus, DEFAULT_THRESHOLDS, type ConfigStatus, type Observed, type RunState, type Thresholds } from './state.js';
export { formatStatus, humanBytes, humanAge } from './table.js';
export { selectConfigs, globToRegExp, type ConfigRef } from './select.js';
export { pidFile, logFile, metricsFile, disabledFile } from './layout.js';
export { readPids, writePid, removePid, type PidEntry } from './pidfiles.js';
export { instanceProcesses, parseInstanceArgv, type InstanceProcess } from './processes.js';
export { spawnInstance, spawnDetached, instanceCommand } from './spawn.js';
export { convertText } from './convert-text.js';
export { rolePermissions, userExchanges, type Role } from './users.js';
