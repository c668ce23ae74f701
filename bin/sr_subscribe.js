#!/usr/bin/env node
// sr_subscribe: v2-style command, `sr_subscribe <action> [config ...]` = `sr <action> subscribe/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'subscribe');
