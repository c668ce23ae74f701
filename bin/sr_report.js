#!/usr/bin/env node
// sr_report: v2-style command, `sr_report <action> [config ...]` = `sr <action> report/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'report');
