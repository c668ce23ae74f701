// logMessageDump (sr3 flowcb.log): each logged event line is followed by the whole notice as it stands, with the
// flow's working fields; without it, only the event lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@sarra/common';
import { optionsFromText } from '@sarra/config';
import { LogHook } from '../src/loghook.js';
import { newWorklist, type WorkItem } from '../src/types.js';

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = Logger.silent();
  (log as unknown as { enabled: () => boolean }).enabled = () => true;
  for (const level of ['debug', 'info', 'warning', 'error'] as const) {
    (log as unknown as Record<string, (m: string) => void>)[level] = (m: string) => { lines.push(m); };
  }
  return { log, lines };
}

const item = (): WorkItem => ({
  notice: { pubTime: '20260101T000000.1', baseUrl: 'http://h/', relPath: 'a/f.txt', size: 3 },
  newDir: '/data/a', newFile: 'f.txt', ack: () => {}, raw: Buffer.from('x'),
});

function run(extra: string): string[] {
  const o = optionsFromText('subscribe', `broker amqp://u@h/\npost_broker amqp://u@h/\n${extra}`);
  const { log, lines } = capture();
  const hook = new LogHook(o, log, { now: () => Date.parse('2026-01-01T00:00:01Z') });
  const it = item();
  const wl = newWorklist([it]);
  hook.afterAccept(wl);
  wl.ok.push(...wl.incoming.splice(0));
  hook.afterWork(wl);
  hook.afterPost(wl);
  return lines;
}

test('without logMessageDump: the event lines only', () => {
  const lines = run('');
  assert.equal(lines.filter((l) => l.startsWith('message: ')).length, 0);
  assert.ok(lines.some((l) => l.startsWith('accepted: ')));
});

test('logMessageDump: after accepted, downloaded and published, the whole notice with its working fields', () => {
  const lines = run('logMessageDump on');
  const kinds = lines.map((l) => l.split(' ')[0]);
  assert.deepEqual(kinds, ['accepted:', 'message:', 'downloaded', 'message:', 'published:', 'message:']);
  const dumped = JSON.parse(lines[1]!.slice('message: '.length)) as Record<string, unknown>;
  assert.deepEqual(dumped, {
    pubTime: '20260101T000000.1', baseUrl: 'http://h/', relPath: 'a/f.txt', size: 3, _work: { newDir: '/data/a', newFile: 'f.txt' },
  });
});
