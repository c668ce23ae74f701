// Prints packages/config/OPTIONS.md (the option reference) from the option table.
import { optionReference } from '../src/index.js';

export const HEADER =
  '# sarra-ts options\n\nGenerated from the option table (`packages/config/src/options-*.ts`); regenerate with\n' +
  '`node --conditions=source --import tsx packages/config/scripts/reference.ts > packages/config/OPTIONS.md`.\n' +
  'Durations are seconds, sizes bytes, octal modes shown as 0o...\n\n';

if (process.argv[1]?.endsWith('reference.ts')) process.stdout.write(HEADER + optionReference());
