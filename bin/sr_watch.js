#!/usr/bin/env node
// sr_watch: v2-style command, `sr_watch <action> [config ...]` = `sr <action> watch/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'watch');
