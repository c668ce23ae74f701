// Loader and lint over a temporary ~/.config/sarra: file order, CLI lines, diagnostics, listConfigs, the shipped examples.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '@sarra/common';
import { COMPONENTS, OPTIONS, lintConfig, listConfigs, loadConfig, showOptions } from '@sarra/config';
import { tempHome, type TempHome } from './home.js';

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), '../../../configs');

describe('loadConfig', () => {
  let h: TempHome;
  before(async () => {
    h = await tempHome({
      'credentials.conf': 'amqp://guest:guest@localhost/\namqp://bunny:b%23nny@localhost/ login_method=PLAIN\n',
      'default.conf': 'broker amqp://bunny@localhost/\nbatch 10\nprefetch 5\nexpire 1h\n',
      'admin.conf': 'declare source alice\nfeeder amqp://guest@localhost/\nbatch 20\n',
      'subscribe.conf': 'batch 30\ninstances 2\n',
      'subscribe/a.conf': 'batch 40\ndirectory /data\naccept .*\n',
      'subscribe/b.inc': 'batch 1\n',
      'sarra/pump.conf': 'broker amqp://guest@localhost/\nexchange xs_guest\npost_broker amqp://guest@localhost/\npost_exchange xpublic\n',
    });
  });
  after(() => h.cleanup());

  it('reads default.conf, admin.conf, <component>.conf, then the config; last wins', async () => {
    const o = await loadConfig('subscribe', 'a', { env: h.env });
    assert.equal(o.batch, 40);
    assert.equal(o.instances, 2);
    assert.equal(o.prefetch, 5);
    assert.equal(o.expire, 3600);
    assert.equal(o.retry_ttl, 3600);
    assert.deepEqual(o.declared.source, ['alice']);
    assert.equal(o.component, 'subscribe');
    assert.equal(o.config, 'a');
    assert.equal(o.file, join(h.dir, 'subscribe', 'a.conf'));
    assert.equal(o.origins.batch?.file, join(h.dir, 'subscribe', 'a.conf'));
    assert.equal(o.mirror, false, 'subscribe default');
    assert.equal(o.exchange, 'xs_bunny');
  });

  it('credentials come with the options', async () => {
    const o = await loadConfig('subscribe', 'a', { env: h.env });
    assert.deepEqual(o.credentials.lookup(o.broker!), { url: 'amqp://bunny:b%23nny@localhost/', details: { login_method: 'PLAIN' } });
  });

  it('extraLines apply last (CLI overrides) and errors in them name <command line>', async () => {
    const o = await loadConfig('subscribe', 'a', { env: h.env, extraLines: ['batch 99', 'logLevel debug'] });
    assert.equal(o.batch, 99);
    assert.equal(o.logLevel, 'debug');
    await assert.rejects(loadConfig('subscribe', 'a', { env: h.env, extraLines: ['batch lots'] }), /<command line>:1: batch: not a count/);
  });

  it('a config name may be an explicit path to a .conf', async () => {
    const o = await loadConfig('sarra', join(h.dir, 'sarra', 'pump.conf'), { env: h.env });
    assert.equal(o.config, 'pump');
    assert.equal(o.mirror, true);
    assert.equal(o.download, true);
    assert.equal((await loadConfig('sarra', 'sarra/pump', { env: h.env })).file, join(h.dir, 'sarra', 'pump.conf'));
  });

  it('every option of the table is a property of the loaded Options', async () => {
    const o = (await loadConfig('sarra', 'pump', { env: h.env })) as unknown as Record<string, unknown>;
    for (const spec of OPTIONS) assert.ok(spec.name in o, spec.name);
    const shown = showOptions(o as never);
    for (const spec of OPTIONS) assert.ok(spec.name in shown, `show ${spec.name}`);
    assert.equal(JSON.stringify(shown).includes('guest:guest'), false, 'no secret in show');
  });

  it('refuses a missing config, an unknown component, and a consumer without broker', async () => {
    await assert.rejects(loadConfig('subscribe', 'nosuch', { env: h.env }), /no configuration subscribe\/nosuch/);
    await assert.rejects(loadConfig('frobnicate', 'a', { env: h.env }), /unknown component/);
    await h.write('shovel/nobroker.conf', 'post_broker amqp://guest@localhost/\n');
    const env = { ...h.env };
    const h2 = await tempHome({ 'shovel/nobroker.conf': 'post_broker amqp://guest@localhost/\n' });
    try {
      await assert.rejects(loadConfig('shovel', 'nobroker', { env: h2.env }), (e: unknown) => e instanceof ConfigError && /broker: missing/.test(e.message));
    } finally {
      await h2.cleanup();
    }
    assert.ok((await loadConfig('shovel', 'nobroker', { env })).broker, 'default.conf broker applies');
  });

  it('an unknown option stops loadConfig as lint reports it, unless a callback module declares it', async () => {
    const conf = (cb: string): string => `broker amqp://guest@localhost/\ncallback ${cb}\nmy_plugin_threshold 5\n`;
    await h.write('subscribe/plug.conf', conf('my_plugin'));
    assert.deepEqual((await lintConfig('subscribe', 'plug', { env: h.env })).map((d) => [d.line, d.code]), [[3, 'unknown-option'], [2, 'callback']]);
    await assert.rejects(loadConfig('subscribe', 'plug', { env: h.env }),
      (e: unknown) => e instanceof ConfigError && e.line === 3 && /unknown option 'my_plugin_threshold'/.test(e.message));
    // modules are cached per file by the ES loader: each stage names its own
    await h.write('plugins/undeclared.js', 'export default { name: "undeclared" };\n');
    await h.write('subscribe/plug.conf', conf('undeclared'));
    await assert.rejects(loadConfig('subscribe', 'plug', { env: h.env }), (e: unknown) => e instanceof ConfigError && e.line === 3 &&
      /unknown option 'my_plugin_threshold' \(no callback of this configuration declares it\)/.test(e.message));
    await h.write('plugins/declared.js', [
      'export const options = { my_plugin_threshold: { kind: "count", default: 1 }, my_plugin_list: { kind: "list", default: [] } };',
      'export default { name: "declared" };', '',
    ].join('\n'));
    await h.write('subscribe/plug.conf', conf('declared'));
    const o = await loadConfig('subscribe', 'plug', { env: h.env });
    assert.deepEqual(o.callback, ['declared']);
    assert.deepEqual(o.pluginOptions, { my_plugin_threshold: 5, my_plugin_list: [] });
    assert.deepEqual(o.unknownOptions, {});
  });
});

describe('lintConfig', () => {
  let h: TempHome;
  after(() => h.cleanup());

  it('reports an unknown option, a bad duration and a missing include, each with file:line', async () => {
    h = await tempHome({
      'credentials.conf': 'amqp://guest:guest@localhost/\n',
      'subscribe/bad.conf': [
        'broker amqp://guest@localhost/',
        'mirrror on',
        'expire 5 minutes',
        'include nowhere.inc',
        'accept (unclosed',
        'strip 1',
      ].join('\n'),
    });
    const file = join(h.dir, 'subscribe', 'bad.conf');
    const d = await lintConfig('subscribe', 'bad', { env: h.env });
    assert.deepEqual(
      d.map((x) => [x.file, x.line, x.severity, x.option]),
      [
        [file, 2, 'error', 'mirrror'],
        [file, 3, 'error', 'expire'],
        [file, 4, 'error', 'include'],
        [file, 5, 'error', 'accept'],
      ],
    );
    assert.match(d[0]!.message, /unknown option 'mirrror'/);
    assert.match(d[1]!.message, /expire: not a duration/);
    assert.match(d[2]!.message, /cannot find 'nowhere\.inc'/);
  });

  it('refuses credentials.conf readable by others, warns about URLs without a password; errors on a missing broker', async () => {
    const cred = await h.write('credentials.conf', 'amqp://guest:guest@localhost/\n', 0o644);
    await h.write('sarra/nob.conf', 'post_broker amqp://nobody@localhost/\naccept .*\n');
    const d = await lintConfig('sarra', 'nob', { env: h.env });
    const codes = d.map((x) => `${x.severity}:${x.option ?? x.code}`);
    assert.ok(codes.includes('error:credentials-mode'), codes.join());
    const mode = d.find((x) => x.code === 'credentials-mode')!;
    assert.deepEqual([mode.file, mode.line], [cred, 0]);
    assert.equal(mode.message, `credentials.conf is readable by group or others (mode 0644): run chmod 600 ${cred}`);
    assert.ok(codes.includes('error:broker'), codes.join());
    assert.ok(codes.includes('warning:post_broker'), codes.join());
    const pb = d.find((x) => x.option === 'post_broker')!;
    assert.equal(pb.line, 1);
    assert.match(pb.message, /no password for amqp:\/\/nobody@localhost\//);
  });

  it('loadConfig refuses an exposed credentials.conf unless insecureCredentials is on', async () => {
    const cred = await h.write('credentials.conf', 'amqp://guest:guest@localhost/\n', 0o640);
    await h.write('subscribe/exposed.conf', 'broker amqp://guest@localhost/\naccept .*\n');
    await assert.rejects(loadConfig('subscribe', 'exposed', { env: h.env }),
      (e: unknown) => e instanceof ConfigError && e.file === cred && /mode 0640\): run chmod 600 /.test(e.message));
    await h.write('subscribe/exposed.conf', 'broker amqp://guest@localhost/\ninsecureCredentials on\naccept .*\n');
    const o = await loadConfig('subscribe', 'exposed', { env: h.env });
    assert.equal(o.insecureCredentials, true);
    assert.equal(o.credentials.lookup('amqp://guest@localhost/')?.url, 'amqp://guest:guest@localhost/');
    assert.ok(!(await lintConfig('subscribe', 'exposed', { env: h.env })).some((x) => x.code === 'credentials-mode'));
    await h.write('credentials.conf', 'amqp://guest:guest@localhost/\n', 0o600);
  });

  it('a missing configuration is one error', async () => {
    const d = await lintConfig('subscribe', 'ghost', { env: h.env });
    assert.equal(d.length, 1);
    assert.match(d[0]!.message, /no configuration/);
  });
});

describe('listConfigs and the shipped examples', () => {
  let h: TempHome;
  before(async () => {
    h = await tempHome({ 'credentials.conf': 'amqp://guest:guest@localhost/\n' });
    for (const comp of await readdir(EXAMPLES, { withFileTypes: true })) {
      if (!comp.isDirectory()) continue;
      for (const f of await readdir(join(EXAMPLES, comp.name))) {
        await h.write(`${comp.name}/${f}`, await readFile(join(EXAMPLES, comp.name, f), 'utf8'));
      }
    }
    await h.write('subscribe/frag.inc', 'batch 1\n');
    await h.write('nosuchcomponent/x.conf', 'batch 1\n');
  });
  after(() => h.cleanup());

  it('there is one example per component (flow aside)', async () => {
    const list = await listConfigs(h.env);
    const comps = new Set(list.map((c) => c.component));
    for (const c of COMPONENTS.filter((x) => x !== 'flow')) assert.ok(comps.has(c), `example for ${c}`);
    assert.ok(!list.some((c) => c.file.endsWith('.inc')), '*.inc skipped');
    assert.ok(!list.some((c) => c.component === 'nosuchcomponent'));
    assert.deepEqual(list.find((c) => c.component === 'subscribe'), {
      component: 'subscribe', config: 'wxo_swob', file: join(h.dir, 'subscribe', 'wxo_swob.conf'),
    });
  });

  it('every example lints clean and loads', async () => {
    for (const c of await listConfigs(h.env)) {
      const d = await lintConfig(c.component, c.config, { env: h.env });
      assert.deepEqual(d, [], `${c.component}/${c.config}`);
      const o = await loadConfig(c.component, c.config, { env: h.env });
      assert.equal(o.config, c.config);
    }
  });
});

describe('command-line overrides', () => {
  it('accept --option value as well as option value', async () => {
    const h = await tempHome({ 'shovel/s.conf': 'broker amqp://guest@localhost/\n' });
    try {
      const o = await loadConfig('shovel', 's', { env: h.env, extraLines: ['--batch 7', '-debug', 'logReject'] });
      assert.equal(o.batch, 7);
      assert.equal(o.logLevel, 'debug');
      assert.equal(o.logReject, true);
    } finally {
      await h.cleanup();
    }
  });
});
