// What an instance loads at start (issue 17): the engine's import graph pulls in no driver or CLI package; transfer
// drivers are imported by scheme on first use, the CLI's packages never (each costs RSS an idle instance keeps).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '../../..');

/**
 * Hooks of the child: every module URL node loads (ESM packages such as axios, yargs, js-yaml, chokidar) is posted
 * back; a 'flush' is answered once all before it are (one port, in order).
 */
const HOOKS = 'let port; export function initialize(d) { port = d.port; port.on("message", () => port.postMessage("flushed")); }' +
  ' export async function load(url, ctx, next) { port.postMessage(url); return next(url, ctx); }';

/** The npm packages loaded once `specifiers` are imported in a fresh process: ESM ones by a load hook, CommonJS ones from require's cache. */
function packagesLoadedBy(specifiers: string[]): Set<string> {
  const script = [
    "import { register, createRequire } from 'node:module';",
    "import { MessageChannel } from 'node:worker_threads';",
    'const { port1, port2 } = new MessageChannel(); const urls = [];',
    `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { port: port2 }, transferList: [port2] });`,
    ...specifiers.map((s) => `await import(${JSON.stringify(s)});`),
    "await new Promise((r) => { port1.on('message', (m) => { if (m === 'flushed') r(); else urls.push(m); }); port1.postMessage('flush'); });",
    'port1.close();',
    'process.stdout.write(JSON.stringify([...urls, ...Object.keys(createRequire(import.meta.url).cache)]));',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SARRA_FROM_SOURCE: '1' } });
  assert.equal(r.status, 0, r.stderr);
  const names = (JSON.parse(r.stdout) as string[]).map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules\/)/.exec(f)?.[1]);
  return new Set(names.filter((n): n is string => n !== undefined));
}

/** Loaded only when a configuration needs them (drivers, MQTT.js at the first MQTT connect), or only by the CLI (never in an instance). */
const NOT_AT_START = ['axios', 'ssh2', 'ssh2-sftp-client', 'basic-ftp', 'mqtt', 'chokidar', 'yargs', 'js-yaml', 'cli-progress', 'playwright-core'];

test('the engine an instance loads imports no transfer driver, MQTT client, watcher, progress bar or CLI package', () => {
  const loaded = packagesLoadedBy(['@sarra/components']);
  assert.ok(loaded.has('amqplib') && loaded.has('winston'), `the probe sees what is loaded: ${[...loaded].join(' ')}`);
  assert.deepEqual(NOT_AT_START.filter((p) => loaded.has(p)), []);
});

test('an http transfer loads no other driver', () => {
  const loaded = packagesLoadedBy(['@sarra/components', join(ROOT, 'packages/transfer/src/http.ts')]);
  assert.deepEqual(['ssh2', 'ssh2-sftp-client', 'basic-ftp', 'axios'].filter((p) => loaded.has(p)), []);
});
