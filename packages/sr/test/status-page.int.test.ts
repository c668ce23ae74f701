// test: alone (a browser loads the machine)
// The status page of `sr serve` in a real browser (Debian's chromium through playwright-core): what a person sees while
// notices flow through a real subscriber on RabbitMQ: every configuration with its state, a rate chart that moves, the detail view.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import amqp from 'amqplib';
import { chromium, type Browser } from 'playwright-core';
import { withVhost, type TestVhost } from '@sarra/testkit/rabbit';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { REPO_ROOT, SR_BIN, runCli, waitFor } from '@sarra/testkit/child';

const CHROMIUM = '/usr/bin/chromium';

let vh: TestVhost;
let h: TempHome;
let server: ChildProcess | undefined;
let browser: Browser | undefined;

before(async () => {
  // tools/services.sh installs it: a missing browser fails this file, never skips it
  await access(CHROMIUM).catch(() => { throw new Error(`${CHROMIUM} missing: run tools/services.sh (apt-get install chromium)`); });
  vh = await withVhost('sr-status-page');
  h = await tempHome();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const closed = new Promise((resolve) => server!.once('close', resolve));
    server.kill('SIGTERM');
    await closed;
  }
  await runCli(['stop'], h.env).catch(() => undefined);
  if (!process.env.KEEP) await h.cleanup();
  await vh.cleanup();
});

async function startServe(): Promise<string> {
  const child = spawn(process.execPath, [SR_BIN, 'serve', '--port', '0'], { env: h.env as NodeJS.ProcessEnv, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let out = '', err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  return waitFor(() => {
    if (child.exitCode !== null) throw new Error(`sr serve exited ${child.exitCode}: ${err}`);
    return /status page (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1];
  }, { what: 'sr serve listening', timeoutMs: 20_000, intervalMs: 100 });
}

test('the page shows every configuration with its state, a rate chart that moves while notices flow, and the detail view', async () => {
  const broker = vh.url.replace('guest:guest@', 'guest@');
  const src = join(h.home, 'src');
  await mkdir(src, { recursive: true });
  await h.writeConfig('credentials.conf', `${vh.url}\n`);
  // a mask with markup in it: the page must show it as text (options in effect), never as an element
  await h.writeConfig('subscribe/flow.conf', [`broker ${broker}`, 'exchange xpage', 'topicPrefix v03', `directory ${h.home}/dst`, `baseDir ${src}`,
    'mirror off', 'reject .*/<b>never</b>\\.txt', 'accept .*', ''].join('\n'));
  await h.writeConfig('subscribe/parked.conf', [`broker ${broker}`, 'exchange xpage', 'topicPrefix v03', `directory ${h.home}/parked`, 'accept .*', ''].join('\n'));
  // the notices are published here, as an upstream pump would, on an exchange of the test's vhost
  const conn = await amqp.connect(vh.url);
  const ch = await conn.createConfirmChannel();
  await ch.assertExchange('xpage', 'topic', { durable: true });
  assert.equal((await runCli(['declare'], h.env)).code, 0);
  assert.equal((await runCli(['start', 'subscribe/flow'], h.env)).code, 0);
  const url = await startServe();
  let round = 0;
  /** 5 new files, one v03 notice each (file: URLs, as sr post would announce them) */
  const postRound = async (): Promise<void> => {
    const dir = join(src, `r${round++}`);
    await mkdir(dir);
    for (let i = 0; i < 5; i++) {
      const file = join(dir, `f${i}.txt`), data = `round ${round} file ${i}\n`.repeat(50);
      await writeFile(file, data);
      const pubTime = new Date().toISOString().replace(/[-:]/g, '').replace('Z', '');
      const notice = { pubTime, baseUrl: 'file:/', relPath: file.slice(1), size: data.length,
        identity: { method: 'sha512', value: createHash('sha512').update(data).digest('base64') } };
      ch.publish('xpage', `v03.${dirname(file).slice(1).split('/').join('.')}`, Buffer.from(JSON.stringify(notice)), { contentType: 'application/json' });
    }
    // the first round also announces a file the mask rejects, its name made of markup: the page shows it as text
    if (round === 1) {
      const notice = { pubTime: new Date().toISOString().replace(/[-:]/g, '').replace('Z', ''), baseUrl: 'file:/', relPath: `${src.slice(1)}/<b>never</b>.txt`, size: 1 };
      ch.publish('xpage', `v03.${src.slice(1).split('/').join('.')}`, Buffer.from(JSON.stringify(notice)), { contentType: 'application/json' });
    }
    await ch.waitForConfirms();
  };

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const page = await browser.newPage({ viewport: { width: 1400, height: 700 } });
  const scripts: string[] = [];
  page.on('pageerror', (e) => scripts.push(e.message));
  await page.goto(url);
  assert.equal(await page.locator('h1').textContent(), 'sarra-ts status');
  const row = (name: string) => page.locator(`tr[data-config="${name}"]`);
  // every configuration, each with its state, colour-coded
  await waitFor(async () => (await row('subscribe/flow').locator('.state').textContent()) === 'run', { what: 'subscribe/flow shown run', timeoutMs: 20_000 });
  assert.equal(await row('subscribe/parked').locator('.state').textContent(), 'stop');
  const colour = (name: string) => row(name).locator('.state').evaluate((el) => el.ownerDocument.defaultView!.getComputedStyle(el).backgroundColor);
  assert.notEqual(await colour('subscribe/flow'), await colour('subscribe/parked'), 'run and stop look different');

  // notices flow: the chart of subscribe/flow gets points and its line changes in the open page (it refreshes itself)
  const chart = row('subscribe/flow').locator('svg.chart');
  const line = async (): Promise<string> => (await chart.locator('polyline').count()) ? (await chart.locator('polyline').getAttribute('points')) ?? '' : '';
  await postRound();
  const first = await waitFor(async () => { await postRound(); const l = await line(); return l.split(' ').length >= 2 ? l : undefined; },
    { what: 'a rate line with 2 points', timeoutMs: 60_000, intervalMs: 500 });
  const peak = await chart.locator('text.axis').first().textContent();
  assert.match(peak ?? '', /^peak \d/);
  assert.doesNotMatch(peak ?? '', /^peak 0 /, 'the rate drawn is above 0 while notices flow');
  await waitFor(async () => { await postRound(); const l = await line(); return l !== first && l.split(' ').length > first.split(' ').length ? l : undefined; },
    { what: 'the rate line moving', timeoutMs: 60_000, intervalMs: 500 });
  const shot = join(process.env.TMPDIR ?? tmpdir(), 'sarra-status-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  process.stdout.write(`# status page screenshot: ${shot}\n`);

  // the detail view: options in effect (markup shown as text), retry queue depth, last errors, the log tail
  await row('subscribe/flow').locator('a').click();
  await page.waitForURL(/\/config\/subscribe\/flow$/);
  assert.equal(await page.locator('h1').textContent(), 'subscribe/flow');
  const options = (await page.locator('pre.options').textContent()) ?? '';
  assert.match(options, /<b>never<\/b>/);
  assert.equal(await page.locator('pre.options b').count(), 0, 'no element made of a configuration\'s text');
  assert.match((await page.locator('dl').textContent()) ?? '', /retry queues\s*instance 1: 0 download, 0 post/);
  assert.match((await page.locator('pre.log').first().textContent()) ?? '', /\.txt/);
  assert.match((await page.locator('ul.errors').textContent()) ?? '', /rejected.*<b>never<\/b>\.txt/);
  assert.equal(await page.locator('ul.errors b, pre.log b').count(), 0);
  assert.equal(await page.locator('svg.chart').count(), 2);
  const detailShot = join(process.env.TMPDIR ?? tmpdir(), 'sarra-status-detail.png');
  await page.screenshot({ path: detailShot, fullPage: false });
  process.stdout.write(`# detail view screenshot: ${detailShot}\n`);
  assert.deepEqual(scripts, [], 'no script error on the pages');
  // status.json as before, from the same server
  const json = (await (await fetch(`${url}status.json`)).json()) as { config: string; state: string }[];
  assert.deepEqual(json.map((r) => r.config).sort(), ['flow', 'parked']);
  // what the server refuses: another method, a configuration it does not serve, a name that does not decode
  assert.equal((await fetch(url, { method: 'POST' })).status, 405);
  for (const path of ['config/subscribe/nope', 'config/%E0%A4%A/x', 'config/subscribe/flow/../../etc']) assert.equal((await fetch(`${url}${path}`)).status, 404, path);
  const res = await fetch(url);
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'.*script-src 'sha256-/);
  await conn.close();
});
