// auto_delete: the message gatherer declares its queue auto-delete when the configuration says so (sr3 queue option).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@sarra/common';
import { optionsFromText, Credentials } from '@sarra/config';
import { declareTopology } from '@sarra/broker';
import { withVhost } from '@sarra/testkit/rabbit';
import { MessageGatherer } from '../src/gather-message.js';

const v = await withVhost('sarra-gather-autodelete');
const state = await mkdtemp(join(tmpdir(), 'gather-ad-'));
after(async () => {
  await v.cleanup();
  await rm(state, { recursive: true, force: true });
});

test('auto_delete on declares an auto-delete queue; the default a lasting one', async () => {
  await declareTopology({ url: v.url, exchanges: ['xad'] });
  const broker = v.url.replace('guest:guest@', 'guest@');
  const credentials = Credentials.parse(`${v.url}\n`);
  for (const [name, line, want] of [['q_guest_ad_on', 'auto_delete on', true], ['q_guest_ad_off', '', false]] as const) {
    const o = optionsFromText('shovel', `broker ${broker}\nexchange xad\nqueueName ${name}\n${line}\n`, { credentials, check: false });
    const g = new MessageGatherer(o, { logger: Logger.silent(), instance: 1, stateDir: state, waitMs: 500 });
    await g.start();
    try {
      const q = (await v.mgmt.queues(v.vhost)).find((x) => x.name === name);
      assert.equal(q?.auto_delete, want, name);
    } finally {
      await g.stop();
    }
  }
});
