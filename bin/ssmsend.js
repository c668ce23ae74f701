#!/usr/bin/env node
// ssmsend: APEL SSM's command with its flags (see `ssmsend --help`) = `sr ssmsend ...`.
import { run } from './_run.js';
await run(['ssmsend', ...process.argv.slice(2)]);
