// The option table is the single truth: every option is read by some code, or marked unsupported with a
// reason, or still pending implementation (issue 12 part 5). Nothing is parsed and then ignored.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { OPTIONS, optionSpec } from '@sarra/config';

/**
 * Options (and `header`/`set` directives) whose code is landing under issue 12 part 5: marked
 * `status: 'implemented'` in the table, exempt from the read-by-code check until then.
 * DELETE A NAME FROM HERE when its implementation lands (the test then requires code to read it).
 */
export const PENDING_IMPLEMENTATION: readonly string[] = [
  // one name a line: engineers landing different options delete different lines
];

/** Directives whose values land in an Options field of another name. */
const DIRECTIVE_FIELDS: Record<string, string> = { header: 'headers', set: 'settings' };

const PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/** The config package's own table, types and generated text: they name every option without acting on one. */
const TABLE_FILES = /^config\/src\/(options(-[a-z]+)?|option-kinds|options-type|types|reference|index|show|legacy|suggest)\.ts$/;

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (n.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Every package's src/ (testkit aside), minus the table itself. */
const FILES = readdirSync(PACKAGES)
  .filter((p) => p !== 'testkit')
  .flatMap((p) => { try { return sources(join(PACKAGES, p, 'src')); } catch { return []; } })
  .filter((f) => !TABLE_FILES.test(relative(PACKAGES, f)))
  .map((f) => ({ file: relative(PACKAGES, f), text: readFileSync(f, 'utf8') }));

/** The ways code reads an option: `o.name`, `opts.name`, `this.o.name`, `ctx.o.name`, `['name']`, `{ name } = o`; in config, `v.name`/`values.name`/`key === 'name'`. */
function readers(name: string, inConfig: boolean): RegExp[] {
  const n = name.replace(/[$]/g, '\\$');
  const receivers = ['o', 'opts', 'options', 'this\\.o', 'ctx\\.o', 'this\\.opts', ...(inConfig ? ['v', 'st\\.values'] : [])];
  return [
    new RegExp(`(?<![\\w.])(${receivers.join('|')})\\??\\.${n}\\b`),
    new RegExp(`\\[['"]${n}['"]\\]`),
    new RegExp(`\\{[^}]*\\b${n}\\b[^}]*\\}\\s*=\\s*(o|opts|options|ctx\\.o|this\\.o)\\b`),
    ...(inConfig ? [new RegExp(`key === '${n}'`)] : []),
  ];
}

/** Where code reads the option (file names), empty when nothing does. */
function readBy(name: string): string[] {
  return FILES.filter((f) => readers(name, f.file.startsWith('config/')).some((re) => re.test(f.text))).map((f) => f.file);
}

describe('option table walk', () => {
  it('every option is read by code, marked unsupported with a reason, or pending implementation', () => {
    const ignored: string[] = [];
    for (const spec of OPTIONS) {
      if (spec.unsupported || PENDING_IMPLEMENTATION.includes(spec.name)) continue;
      if (readBy(spec.name).length === 0) ignored.push(spec.name);
    }
    assert.deepEqual(ignored, [], `parsed and then read by no code (implement, or mark unsupported with a reason): ${ignored.join(', ')}`);
  });

  it('an unsupported option says why in one line, and is never also pending', () => {
    for (const spec of OPTIONS.filter((s) => s.unsupported)) {
      assert.ok(spec.unsupported!.length > 10 && !spec.unsupported!.includes('\n'), spec.name);
      assert.ok(!PENDING_IMPLEMENTATION.includes(spec.name), `${spec.name} is pending implementation, not unsupported`);
      assert.notEqual(spec.status, 'implemented', spec.name);
    }
  });

  it('pending options are in the table (or directives), marked implemented, not unsupported', (t) => {
    const ready: string[] = [];
    for (const name of PENDING_IMPLEMENTATION) {
      const field = DIRECTIVE_FIELDS[name];
      if (field) {
        if (readBy(field).some((f) => !f.startsWith('config/'))) ready.push(name);
        continue;
      }
      const spec = optionSpec(name);
      assert.ok(spec, `${name} is an option of the table`);
      assert.equal(spec.status, 'implemented', `${name}: status 'implemented' in the table`);
      assert.equal(spec.unsupported, undefined, name);
      if (readBy(name).length) ready.push(name);
    }
    // not a failure: some are partly implemented already; the engineer landing one deletes it from the list
    if (ready.length) t.diagnostic(`read by code already (delete from PENDING_IMPLEMENTATION once complete): ${ready.join(', ')}`);
  });

  it('the scan sees reads it should (sanity of the patterns)', () => {
    assert.ok(readBy('batch').length > 0);
    assert.ok(readBy('exchangeSplit').includes('config/src/derive.ts'));
    assert.deepEqual(readBy('accelWgetCommand'), []);
  });
});
