// The winston logger (issue 16 item 1): log files in the line format of the logger it replaced, byte for byte
// (fixtures/sr3-lines.log was written by that logger); logFormat, logJson, sr3's rotated names, syslog over UDP and a
// unix datagram socket, and every line whole after a SIGTERM while logging heavily (a child process, as pino tests).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Logger, logFormatError, parseSyslogTarget } from '@sarra/common';
import { rotatedSuffix } from '../src/log-transports.js';

let dir: string;
before(async () => { dir = await mkdtemp(join(tmpdir(), 'sarra-log-')); });
after(async () => { await rm(dir, { recursive: true, force: true }); });

const STAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} /;

/** The lines fixtures/sr3-lines.log was written with. */
function writeLines(log: Logger): void {
  log.debug('not written at info');
  log.info('starting subscribe/x instance 1 pid 4242');
  log.info('accepted: (lag: 0.51 ) https://dd.weather.gc.ca/20261203/WXO-DD/x.txt');
  log.warning('broker amqps://bob:s3cret@broker.example.com/ lost: ECONNRESET, reconnecting in 1 s');
  log.error('rejected: 406 relPath a/../../etc/passwd escapes the directory');
  log.critical('fatal: ftp://u:p%40ss@h:2121/ refused');
  const c = log.child('sftp');
  c.info('unicode: été 日本 \t tab');
  c.error('multi\nline message');
}

/** Time stamps differ between runs: each line's is checked for its form, then set aside. */
function unstamped(text: string): string {
  return text.split('\n').map((l) => (STAMP.test(l) ? `<t> ${l.replace(STAMP, '')}` : l)).join('\n');
}

test('a log file is byte for byte the previous logger\'s (time stamps aside), passwords redacted, mode 0600', async () => {
  const file = join(dir, 'same.log');
  const log = Logger.create('subscribe/x:01', { file });
  writeLines(log);
  await log.close();
  const before = await readFile(new URL('fixtures/sr3-lines.log', import.meta.url), 'utf8');
  const now = await readFile(file, 'utf8');
  assert.equal(now.split('\n').filter((l) => STAMP.test(l)).length, 7);
  assert.equal(unstamped(now), unstamped(before));
  assert.doesNotMatch(now, /s3cret|p%40ss/);
  assert.equal((await stat(file)).mode & 0o777, 0o600);
});

test('logFormat: the Python fields sarra-ts fills, with widths; the others are refused with the reason', async () => {
  const file = join(dir, 'format.log');
  const log = Logger.create('sarra/y:02', { file, level: 'debug', format: '%(levelname)-8s|%(name)s|%(process)d|%(levelno)03d|%(message).5s|%%|%(asctime)s' });
  log.debug('hello world');
  log.warning('amqp://u:pw@h/');
  await log.close();
  const [a, b] = (await readFile(file, 'utf8')).trimEnd().split('\n');
  assert.match(a!, new RegExp(`^DEBUG   \\|sarra/y:02\\|${process.pid}\\|010\\|hello\\|%\\|\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}$`));
  assert.match(b!, /^WARNING \|sarra\/y:02\|\d+\|030\|amqp:\|%\|/);
  assert.equal(logFormatError('%(asctime)s %(levelname)s %(name)s %(message)s %(created)f %(msecs)d'), undefined);
  assert.match(logFormatError('%(asctime)s %(funcName)s %(message)s')!, /%\(funcName\) cannot be filled by sarra-ts/);
  assert.match(logFormatError('%(lineno)d')!, /lineno/);
  assert.match(logFormatError('100% %(message)s')!, /not a %\(name\)s field/);
});

test('logJson: one JSON object a line on the same stream, redacted', async () => {
  const file = join(dir, 'json.log');
  const log = Logger.create('shovel/z:01', { file, json: true });
  log.info('posted amqps://u:secret@h/ x');
  log.child('c').error('bad "quote"\nnext');
  await log.close();
  const recs = (await readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(recs.length, 2);
  assert.deepEqual({ ...recs[0], time: 't' }, { time: 't', level: 'info', name: 'shovel/z:01', pid: process.pid, message: 'posted amqps://u:***@h/ x' });
  assert.equal(recs[1]!.message, 'bad "quote"\nnext');
  assert.equal(recs[1]!.name, 'shovel/z:01 c');
  assert.ok(!Number.isNaN(Date.parse(recs[0]!.time as string)));
});

test('rotation: sr3\'s TimedRotatingFileHandler names (<file>.<date>[_time]), the newest logRotateCount kept', async () => {
  assert.equal(rotatedSuffix(86400, Date.UTC(2026, 11, 3, 15, 4, 5)), '2026-12-03');
  assert.equal(rotatedSuffix(7200, Date.UTC(2026, 11, 3, 15, 4, 5)), '2026-12-03_15');
  assert.equal(rotatedSuffix(300, Date.UTC(2026, 11, 3, 15, 4, 5)), '2026-12-03_15-04');
  assert.equal(rotatedSuffix(1, Date.UTC(2026, 11, 3, 15, 4, 5)), '2026-12-03_15-04-05');
  const sub = await mkdtemp(join(dir, 'rot-'));
  const file = join(sub, 'subscribe_x_01.log');
  const log = Logger.create('subscribe/x:01', { file, rotateInterval: 1, rotateCount: 2 });
  for (let i = 0; i < 3; i++) {
    log.info(`round ${i}`);
    await sleep(1100);
  }
  log.info('last');
  await log.close();
  const names = (await readdir(sub)).sort();
  assert.equal(names.length, 3, names.join(' '));
  assert.equal(names[0], 'subscribe_x_01.log');
  for (const n of names.slice(1)) assert.match(n, /^subscribe_x_01\.log\.\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/);
  assert.match(await readFile(file, 'utf8'), /\[INFO\] subscribe\/x:01 last\n$/);
  assert.match(await readFile(join(sub, names[2]!), 'utf8'), /round 2\n$/);
});

test('logSyslog udp://: each line one datagram with its priority, redacted', async () => {
  const server = createSocket('udp4');
  const got: string[] = [];
  server.on('message', (m) => got.push(m.toString()));
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  const port = server.address().port;
  const log = Logger.create('poll/p:01', { file: join(dir, 'udp.log'), syslog: `udp://127.0.0.1:${port}` });
  log.info('polled ftp://u:pw@h/');
  log.error('failed');
  await log.close();
  for (let i = 0; i < 50 && got.length < 2; i++) await sleep(20);
  server.close();
  assert.equal(got.length, 2);
  assert.match(got[0]!, /^<14>1 \S+ \S+ sarra-ts \d+ - - poll\/p:01 polled ftp:\/\/u:\*\*\*@h\/$/);
  assert.match(got[1]!, /^<11>1 /);
  assert.deepEqual(parseSyslogTarget('udp://[::1]'), { udp: { host: '::1', port: 514 } });
  assert.deepEqual(parseSyslogTarget('/dev/log'), { socket: '/dev/log' });
  assert.throws(() => parseSyslogTarget('tcp://h'), /socket path \(\/dev\/log\) or udp:\/\/host\[:port\]/);
});

test('logSyslog /path: datagrams on a unix socket the test binds (as /dev/log), via util-linux logger', async () => {
  assert.equal(spawnSync('socat', ['-V']).status, 0, 'socat is needed (tools/services.sh installs it)');
  const sock = join(dir, 'dev-log');
  const out = join(dir, 'dev-log.out');
  const rx = spawn('socat', ['-u', `UNIX-RECV:${sock}`, `OPEN:${out},creat,append`], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 100 && !(await readdir(dir)).includes('dev-log'); i++) await sleep(20);
    const log = Logger.create('watch/w:01', { stdout: true, syslog: sock });
    log.warning('watching amqp://a:b@c/');
    await log.close();
    let text = '';
    for (let i = 0; i < 100 && !text.includes('watching'); i++) {
      await sleep(20);
      text = await readFile(out, 'utf8').catch(() => '');
    }
    assert.match(text, /^<12>.*sarra-ts\[\d+\]: watch\/w:01 watching amqp:\/\/a:\*\*\*@c\//);
  } finally {
    rx.kill();
  }
});

test('SIGTERM while logging heavily: close() flushes, every line in the file whole and none missing', async () => {
  const file = join(dir, 'term.log');
  const script = [
    "import { Logger } from '@sarra/common';",
    `const log = Logger.create('subscribe/t:01', { file: ${JSON.stringify(file)} });`,
    'let i = 0, stop = false;',
    "process.once('SIGTERM', () => { stop = true; });",
    "const pad = 'x'.repeat(200);",
    'while (!stop) {',
    '  for (let k = 0; k < 200; k++) log.info(`line ${i++} ${pad}`);',
    "  if (i === 2000) process.stdout.write('busy\\n');",
    '  await new Promise((r) => setImmediate(r));',
    '}',
    "log.info(`stopped after ${i}`);",
    'await log.close();',
    'process.exit(0);',
  ].join('\n');
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: new URL('../../..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((r) => child.stdout.once('data', () => r()));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  assert.equal(code, 0);
  const lines = (await readFile(file, 'utf8')).split('\n');
  assert.equal(lines.pop(), '', 'the file ends with a whole line');
  const last = /stopped after (\d+)$/.exec(lines.pop()!);
  assert.ok(last, 'the last line logged before exit is there');
  assert.equal(lines.length, Number(last[1]));
  lines.forEach((l, i) => assert.ok(STAMP.test(l) && l.endsWith(`line ${i} ${'x'.repeat(200)}`), `line ${i}: ${l.slice(0, 80)}`));
});
