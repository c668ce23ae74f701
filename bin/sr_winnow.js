#!/usr/bin/env node
// sr_winnow: v2-style command, `sr_winnow <action> [config ...]` = `sr <action> winnow/<config> ...`.
import { run } from './_run.js';
await run(process.argv.slice(2), 'winnow');
