// A user plugin in a temporary ~/.config/sarra/plugins that imports the public package '@sarra/plugin' (no
// node_modules anywhere on its path): loaded by lint and by the flow, its options typed, its outcomes honoured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lintConfig } from '@sarra/config';
import { newWorklist } from '@sarra/flow';
import { item, load } from './helpers.js';

const FILTER = `import { keep } from '@sarra/plugin';
export const options = { tooBig: { kind: 'size', default: 1000 } };
export default class SizeFilter {
  name = 'sizefilter';
  constructor(o) { this.max = o.pluginOptions.tooBig; }
  afterAccept(wl) {
    keep(wl, (it) => (it.notice.size ?? 0) <= this.max || 'too big');
    for (const it of [...wl.incoming]) if (it.notice.relPath.endsWith('.tmp')) wl.outcome.reject(it, 406, 'temporary file');
  }
}
`;

test('a plugin importing @sarra/plugin from ~/.config/sarra/plugins loads, reads its option, rejects through the API', async () => {
  const l = await load('tooBig 2k\ncallback sizefilter', { 'sizefilter.mjs': FILTER });
  try {
    const [h] = l.hooks;
    assert.equal(h!.name, 'sizefilter');
    const small = item('a.txt'), big = item('b.txt'), tmp = item('c.tmp');
    small.notice.size = 10;
    big.notice.size = 4096;
    const wl = newWorklist([small, big, tmp]);
    await h!.afterAccept!(wl);
    assert.deepEqual(wl.incoming, [small]);
    assert.deepEqual(wl.rejected.map((i) => [i.notice.relPath, i.reportCode, i.reportMessage]), [['b.txt', 404, 'too big'], ['c.tmp', 406, 'temporary file']]);
  } finally {
    await l.home.cleanup();
  }
});

test('a TypeScript plugin (.mts) importing types and helpers from @sarra/plugin loads too', async () => {
  const src = `import { REPORT, type Plugin, type Worklist } from '@sarra/plugin';
export default class Typed implements Plugin {
  readonly name = 'typed';
  afterAccept(wl: Worklist): void { for (const it of [...wl.incoming]) wl.outcome.reject(it, REPORT.forbidden, 'typed says no'); }
}
`;
  const l = await load('callback typed', { 'typed.mts': src });
  try {
    const wl = newWorklist([item('a')]);
    await l.hooks[0]!.afterAccept!(wl);
    assert.equal(wl.rejected[0]!.reportMessage, 'typed says no');
  } finally {
    await l.home.cleanup();
  }
});

test('lint: a plugin with sr3 spellings, or with poll outside a poll, is an error at the callback line; the other entry points load', async () => {
  const l = await load('', {
    'snake.mjs': `export default class { name = 'snake'; after_accept(wl) {} }\n`,
    'acker.mjs': `export default { name: 'acker', ack() {}, post() {}, destfn() {}, onSanity() {}, onDeclare() {}, onCleanup() {} };\n`,
    'poller.mjs': `export default { name: 'poller', poll() { return []; } };\n`,
  });
  try {
    await l.home.writeConfig('subscribe/bad.conf', 'broker amqp://anonymous@localhost\ncallback snake\ncallback acker\ncallback poller\n');
    const diags = await lintConfig('subscribe', 'bad', { env: l.home.env });
    const errors = diags.filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    assert.deepEqual(errors, [
      "2: callback snake: entry point after_accept is sr3's spelling: name the method afterAccept",
      '4: callback poller: entry point poll is called in a poll configuration only (sr3), not in subscribe',
    ]);
    await l.home.writeConfig('poll/p.conf', 'post_broker amqp://anonymous@localhost\npollUrl sftp://localhost/\ncallback poller\n');
    const poll = (await lintConfig('poll', 'p', { env: l.home.env })).filter((d) => d.severity === 'error');
    assert.deepEqual(poll, [], 'poll is an entry point of a poll');
  } finally {
    await l.home.cleanup();
  }
});

test('callback nodupe.name / nodupe.data set the duplicate key basis (sr3), loading nothing', async () => {
  for (const [line, basis] of [['callback nodupe.name', 'name'], ['callback sarracenia.flowcb.nodupe.data.Data', 'data']] as const) {
    const l = await load(line);
    try {
      assert.equal(l.o.nodupe_basis, basis);
      assert.deepEqual(l.hooks, []);
    } finally {
      await l.home.cleanup();
    }
  }
});

test('a v2 plugin line is refused at its line, naming the sarra-ts equivalent when there is one', async () => {
  const l = await load('');
  try {
    await l.home.writeConfig('subscribe/v2.conf', [
      'broker amqp://anonymous@localhost', 'on_message msg_delete', 'on_message msg_2http.py', 'on_file file_age',
      'on_message msg_fdelay', 'on_message my_own_thing', '',
    ].join('\n'));
    const errors = (await lintConfig('subscribe', 'v2', { env: l.home.env })).filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    const port = 'a v2 Python plugin: port it to a JS/TS flow callback (`callback <module>`); `sr convert` maps those sr3 has built in';
    assert.deepEqual(errors, [
      `2: on_message: not supported by sarra-ts (${port}; sarra-ts equivalent: callback filter.deleteflowfiles.DeleteFlowFiles)`,
      `3: on_message: not supported by sarra-ts (${port}; sarra-ts equivalent: callback accept.tohttp)`,
      `4: on_file: not supported by sarra-ts (${port}; sarra-ts equivalent: callback work.age)`,
      `5: on_message: not supported by sarra-ts (${port}; sr3 ported it as callback filter.fdelay)`,
      `6: on_message: not supported by sarra-ts (${port})`,
    ]);
  } finally {
    await l.home.cleanup();
  }
});

test('filename DESTFNSCRIPT=<callback> (sr3 destfn) loads that module: missing, or without destfn, is an error at its line', async () => {
  const l = await load('', {
    'namer.mjs': `export default { name: 'namer', destfn(it) { return it.newFile + '.x'; } };\n`,
    'nameless.mjs': `export default { name: 'nameless', afterAccept() {} };\n`,
  });
  try {
    await l.home.writeConfig('subscribe/d.conf', [
      'broker amqp://anonymous@localhost', 'filename DESTFNSCRIPT=namer', 'accept .*grib DESTFNSCRIPT=missing',
      'accept .*bufr DESTFNSCRIPT=nameless', 'callback nameless', 'accept .*', '',
    ].join('\n'));
    const errors = (await lintConfig('subscribe', 'd', { env: l.home.env })).filter((d) => d.severity === 'error')
      .map((d) => `${d.line}: ${d.message.replace(/ \(looked in .*\)$/, '')}`).sort();
    assert.deepEqual(errors, [
      '3: filename DESTFNSCRIPT=missing: callback missing: no such plugin module',
      '4: filename DESTFNSCRIPT=nameless: the module has no destfn entry point',
    ]);
  } finally {
    await l.home.cleanup();
  }
});

test('lint: an async destfn, and a destfn or DESTFNSCRIPT= where no file is placed (shovel, poll, a subscribe with download off, ...), are errors at their line', async () => {
  const l = await load('', {
    'late.mjs': `export default class { name = 'late'; async destfn(it) { return it.newFile; } }\n`,
    'namer.mjs': `export default { name: 'namer', destfn(it) { return 'N_' + it.newFile; } };\n`,
  });
  try {
    const errors = async (component: string, text: string): Promise<string[]> => {
      await l.home.writeConfig(`${component}/c.conf`, `broker amqp://anonymous@localhost\npost_broker amqp://anonymous@localhost\n${text}\n`);
      return (await lintConfig(component, 'c', { env: l.home.env })).filter((d) => d.severity === 'error').map((d) => `${d.line}: ${d.message}`);
    };
    assert.deepEqual(await errors('subscribe', 'callback late\ncallback namer'), [
      '3: callback late: entry point destfn must be synchronous (it is an async function): return the name, not a Promise',
    ]);
    assert.deepEqual(await errors('shovel', 'callback namer\nexchange xpublic'), [
      '3: callback namer: entry point destfn is never called in shovel: it transfers no file (subscribe, sarra, sender, flow do)',
    ]);
    const poll = await errors('poll', 'pollUrl sftp://localhost/\naccept .* DESTFNSCRIPT=namer');
    assert.ok(poll.includes('4: filename DESTFNSCRIPT=namer: never called in poll: it transfers no file (subscribe, sarra, sender, flow do)'), poll.join('\n'));
    // a subscribe relaying notices only (download off) places no file either
    assert.deepEqual(await errors('subscribe', 'callback namer\ndownload off'), [
      '3: callback namer: entry point destfn is never called in subscribe with download off: it transfers no file',
    ]);
    assert.deepEqual(await errors('subscribe', 'callback namer'), [], 'a downloading subscribe asks the destfn');
  } finally {
    await l.home.cleanup();
  }
});
