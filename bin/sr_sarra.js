#!/usr/bin/env node
// sr_sarra: v2-style command, `sr_sarra <action> [config ...]` = `sr <action> sarra/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'sarra');
