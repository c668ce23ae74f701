#!/usr/bin/env node
// sr_sender: v2-style command, `sr_sender <action> [config ...]` = `sr <action> sender/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'sender');
