// `sr convert` through the real CLI under a temporary HOME: a v2 tree converted in place lints clean, sr3's
// `sr3 convert subscribe/x` habit, a tree elsewhere with lines a person must port (reported file:line), --help.
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let h: TempHome;
before(async () => {
  h = await tempHome('sarra-convert-cli-');
  await h.writeConfig('credentials.conf', ['amqp://tsource:secret@localhost/', 'amqp://tfeed:secret@localhost/',
    'amqp://anonymous:anonymous@dd.weather.gc.ca/', 'sftp://peter@localhost/ ssh_keyfile=/dev/null', ''].join('\n'));
});
after(() => h.cleanup());

const V2_TREE: Record<string, string> = {
  'subscribe/dd_swob.conf': '# SWOB observations\nbroker amqp://dd.weather.gc.ca/\nexpire 10m\nsubtopic observations.swob-ml.#\naccept .*\n',
  'poll/f62.conf': 'post_broker amqp://tsource@localhost/\npost_exchange_suffix poll\nsleep 1\ndestination sftp://peter@localhost/\n' +
    'directory /data/sent_by_tsource2send\nreject .*\\.tmp$\nget .*\n',
  'sender/tsource2send.conf': 'broker amqp://tsource@localhost\nexchange xs_tsource\nsubtopic #\nretry_ttl 180\n' +
    'destination sftp://peter@localhost/\naccept .*\n',
  'shovel/no_trouble.inc': 'reject .*trouble.*\n',
  'shovel/t_dd1.conf': 'broker amqp://anonymous@dd.weather.gc.ca/\nexchange xpublic\nmsg_total_interval 0\nplugin msg_total\n' +
    'include no_trouble.inc\naccept .*\npost_broker amqp://tfeed@localhost/\npost_exchange xwinnow\n',
  'watch/f40.conf': 'post_broker amqp://tsource@localhost/\npath /data/downloaded\npost_total_interval 0\nplugin post_total_save\n' +
    'caching 15m\nheartbeat 60\nsum s\npost_base_url file:/\nevents create|delete|link|modify\non_message msg_log\naccept .*\n',
};

test('sr convert --v2: a v2 tree in ~/.config/sarra converted in place (originals kept as .v2), reported, and linting clean', async () => {
  for (const [rel, text] of Object.entries(V2_TREE)) await h.writeConfig(rel, text);
  const r = await runCli(['convert', '--v2'], h.env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  for (const rel of Object.keys(V2_TREE)) {
    assert.match(r.stdout, new RegExp(`converted ${join(h.configDir, rel)} \\(v2\\) -> in place`));
    assert.equal(await readFile(join(h.configDir, `${rel}.v2`), 'utf8'), V2_TREE[rel], `${rel}: the v2 original is kept`);
  }
  // what was dropped is said at its line, as sr3 convert logs it
  assert.match(r.stdout, new RegExp(`${join(h.configDir, 'shovel/t_dd1.conf')}:4: note: plugin msg_total: obsolete in sr3`));
  assert.match(r.stdout, new RegExp(`${join(h.configDir, 'watch/f40.conf')}:10: note: on_message msg_log: sr3's log callback`));
  assert.match(r.stderr, /sr convert: 5 configuration\(s\) converted .*; 0 line\(s\) need a person; lint: clean/);

  const poll = await readFile(join(h.configDir, 'poll/f62.conf'), 'utf8');
  for (const want of ['pollUrl sftp://peter@localhost/', 'path /data/sent_by_tsource2send', 'scheduled_interval 1', 'accept .*', 'post_topicPrefix v02.post']) {
    assert.ok(poll.split('\n').includes(want), `${want} in\n${poll}`);
  }
  assert.match(await readFile(join(h.configDir, 'subscribe/dd_swob.conf'), 'utf8'), /^topicPrefix v02\.post$/m);
  assert.match(await readFile(join(h.configDir, 'watch/f40.conf'), 'utf8'), /^logEvents \+after_accept$/m);

  const lint = await runCli(['lint'], h.env);
  assert.equal(lint.code, 0, `${lint.stdout}\n${lint.stderr}`);
  const show = await runCli(['show', '--json', 'poll/f62'], h.env);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /"pollUrl": "sftp:\/\/peter@localhost\/"/);

  // a second run finds them converted and leaves them
  const again = await runCli(['convert', '--v2'], h.env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /skipped .*poll\/f62\.conf: already converted/);
  assert.equal(await readFile(join(h.configDir, 'poll/f62.conf'), 'utf8'), poll);
});

test('sr convert subscribe/<name>: sr3 habit, the sr3 configuration (~/.config/sr3) first; an existing result needs --wololo', async () => {
  const sr3 = join(h.home, '.config', 'sr3', 'subscribe');
  await mkdir(sr3, { recursive: true });
  await writeFile(join(sr3, 'hpfx.conf'), 'broker amqps://hpfx.collab.science.gc.ca/\nsubtopic *.WXO-DD.observations.swob-ml.#\n' +
    'callback log\nflowcb sarracenia.flowcb.nodupe.disk.Disk\nbatch 10\naccept .*\n');
  const r = await runCli(['convert', 'subscribe/hpfx'], h.env);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`converted ${join(sr3, 'hpfx.conf')} \\(sr3\\) -> ${join(h.configDir, 'subscribe/hpfx.conf')}; renamed flowcb -> callback`));
  assert.doesNotMatch(await readFile(join(h.configDir, 'subscribe/hpfx.conf'), 'utf8'), /topicPrefix|acceptUnmatched|inflight/, 'sr3 defaults stay sr3 defaults');
  const twice = await runCli(['convert', 'subscribe/hpfx'], h.env);
  assert.equal(twice.code, 1);
  assert.match(twice.stderr, /subscribe\/hpfx\.conf exists, not overwritten \(--wololo to overwrite\)/);
  assert.equal((await runCli(['convert', '--wololo', 'subscribe/hpfx'], h.env)).code, 0);
  const missing = await runCli(['convert', 'subscribe/nosuch'], h.env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /subscribe\/nosuch: not found \(looked for .*sr3\/subscribe\/nosuch\.conf and .*sarra\/subscribe\/nosuch\.conf\)/);
});

test('sr convert <v2 tree elsewhere>: cpost and cpump land as watch and shovel, lines to port are printed file:line and lint says why', async () => {
  const old = join(h.home, 'backup', 'sarra');
  const files: Record<string, string> = {
    'cpost/veille.conf': 'post_broker amqp://tfeed@localhost/\npost_exchange xcpublic\npath /data/cfr\nsleep 2\npost_base_url file:/\naccept .*\n',
    'cpump/xvan.conf': 'broker amqp://tfeed@localhost/\nexchange xcvan00\ncaching 120\naccept .*\npost_broker amqp://tfeed@localhost/\npost_exchange xcsarra\n',
    'subscribe/local.conf': 'broker amqp://tfeed@localhost/\nsubtopic #\non_message msg_2localfile\ndirectory /data/x\naccept .*\\.grib2$\n',
  };
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(join(old, rel, '..'), { recursive: true });
    await writeFile(join(old, rel), text);
  }
  const r = await runCli(['convert', old], h.env);
  assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, new RegExp(`converted ${join(old, 'cpost/veille.conf')} \\(v2\\) -> ${join(h.configDir, 'watch/veille.conf')} \\(sr3_cpost configuration: a watch\\)`));
  assert.match(r.stdout, new RegExp(`-> ${join(h.configDir, 'shovel/xvan.conf')} \\(sr3_cpump configuration: a shovel\\)`));
  assert.match(r.stdout, new RegExp(`${join(old, 'subscribe/local.conf')}:3: on_message msg_2localfile: sr3 ported it as callback accept.tolocalfile.ToLocalFile \\(Python\\); sarra-ts has no built-in`));
  assert.match(r.stdout, new RegExp(`${join(h.configDir, 'subscribe/local.conf')}:\\d+: callback accept.tolocalfile.ToLocalFile: no such plugin module`));
  assert.match(r.stderr, /3 configuration\(s\) converted .*; 1 line\(s\) need a person; lint: 1 error\(s\)/);
  const local = await readFile(join(h.configDir, 'subscribe/local.conf'), 'utf8');
  assert.match(local, /^acceptUnmatched off$/m);
  assert.match(local, /^# sr convert: on_message msg_2localfile: .*\ncallback accept\.tolocalfile\.ToLocalFile$/m);
});

test('sr convert --help documents its arguments', async () => {
  const r = await runCli(['convert', '--help'], h.env);
  assert.equal(r.code, 0);
  for (const want of ['<component>/<name>', '~/.config/sr3', '~/.config/sarra', '--v2', '--wololo', 'file:line: <why>']) {
    assert.ok(r.stdout.includes(want), want);
  }
});
