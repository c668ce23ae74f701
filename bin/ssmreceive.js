#!/usr/bin/env node
// ssmreceive: APEL SSM's command with its flags (see `ssmreceive --help`) = `sr ssmreceive ...`.
import { run } from './_run.js';
await run(['ssmreceive', ...process.argv.slice(2)]);
