// Public entry of @sarra/plugin: what a flow callback (plugin) is written against. A plugin file anywhere (e.g.
// ~/.config/sarra/plugins) imports it as '@sarra/plugin'; the loader resolves that name to the running install.
export type { FlowHook, FlowHook as Plugin, WorkItem, Worklist } from '@sarra/flow';
export type { Content, FileOp, Identity, Notice } from '@sarra/message';
export type { Options, PluginOptionDecl, PluginOptions } from '@sarra/config';
export type { Logger } from '@sarra/common';
export { pluginOption } from '@sarra/config';
export { msFromTimestamp, nowTimestamp, timestampFromMs } from '@sarra/message';
export { keep, localPath, reject } from './worklist.js';
