#!/usr/bin/env node
// sr_poll: v2-style command, `sr_poll <action> [config ...]` = `sr <action> poll/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'poll');
