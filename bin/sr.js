#!/usr/bin/env node
// sr: the sarra-ts operator's command (sr [options] <action> [component/config ...]).
import { run } from './_run.js';
await run(process.argv.slice(2));
