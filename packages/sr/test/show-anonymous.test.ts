// `sr show` through the real CLI: a broker URL without a user is sr3's `anonymous` (exchange xpublic, queue
// q_anonymous.…), lint asks for no password; a queue named with the `queue` synonym is the same on every load.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { tempHome, type TempHome } from '@sarra/testkit/home';
import { runCli } from '@sarra/testkit/child';

let h: TempHome;

before(async () => {
  h = await tempHome();
  await h.writeConfig('subscribe/dd.conf', [
    'broker amqps://dd.weather.gc.ca/', 'subtopic *.WXO-DD.observations.swob-ml.#', `directory ${h.home}/swob`, 'accept .*', '',
  ].join('\n'));
  await h.writeConfig('subscribe/named.conf', ['broker amqps://dd.weather.gc.ca/', 'queue q_anonymous.named.${RAND8}', 'accept .*', ''].join('\n'));
});

after(async () => {
  await h.cleanup();
});

interface Shown { broker: string; exchange: string; queueName: string; bindings: unknown[] }

async function show(cfg: string): Promise<Shown> {
  const r = await runCli(['show', cfg, '--json'], h.env);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Shown;
}

test('sr show of a user-less broker: user anonymous, exchange xpublic, queue q_anonymous.subscribe.dd.…', async () => {
  const o = await show('subscribe/dd');
  assert.equal(o.broker, 'amqps://anonymous@dd.weather.gc.ca/');
  assert.equal(o.exchange, 'xpublic');
  assert.match(o.queueName, /^q_anonymous\.subscribe\.dd\.\S+_\$\{RAND8\}$/);
  const yaml = await runCli(['show', 'subscribe/dd'], h.env);
  assert.equal(yaml.code, 0, yaml.stderr);
  assert.match(yaml.stdout, /^broker: amqps:\/\/anonymous@dd\.weather\.gc\.ca\/$/m);
  assert.match(yaml.stdout, /^exchange: xpublic$/m);
  assert.match(yaml.stdout, /^queueName: q_anonymous\.subscribe\.dd\./m);
  const lint = await runCli(['lint', 'subscribe/dd'], h.env);
  assert.equal(lint.code, 0, lint.stdout);
  assert.doesNotMatch(lint.stdout, /no password/, 'anonymous has sr3\'s public password');
});

test('a queue named with the `queue` synonym and ${RAND8} is the same queue on every load', async () => {
  const [a, b] = [await show('subscribe/named'), await show('subscribe/named')];
  assert.equal(a.queueName, 'q_anonymous.named.${RAND8}');
  assert.equal(b.queueName, a.queueName);
});
