// Public entry of @sarra/plugin: what a flow callback (plugin) is written against. A plugin file anywhere (e.g.
// ~/.config/sarra/plugins) imports it as '@sarra/plugin'; the loader resolves that name to the running install.
// Outcomes are the flow's own: `wl.outcome.ok(item)`, `wl.outcome.reject(item, code, reason)`, `wl.outcome.fail(item, err)`.
export type { FlowHook, FlowHook as Plugin, Outcomes, WorkItem, Worklist } from '@sarra/flow';
export type { Content, FileOp, Identity, Notice } from '@sarra/message';
export type { Options, PluginOptionDecl, PluginOptions } from '@sarra/config';
export type { Logger } from '@sarra/common';
export { pluginOption } from '@sarra/config';
export { msFromTimestamp, nowTimestamp, timestampFromMs } from '@sarra/message';
export { REPORT } from '@sarra/message';
export { keep, localPath, noticeUrl } from './worklist.js';
export { noticeFor, type PollEntry } from './poll.js';
