#!/usr/bin/env node
// sr_shovel: v2-style command, `sr_shovel <action> [config ...]` = `sr <action> shovel/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'shovel');
