#!/usr/bin/env node
// sr_post: v2-style command, `sr_post <action> [config ...]` = `sr <action> post/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'post');
