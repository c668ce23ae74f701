// Derived exchanges, queue names and bindings (COMPAT §1 "Default exchanges and queues").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Credentials, bindingKeys, brokerUser, defaultQueueName, newParseState, parseText, postExchanges, resolveOptions,
  showOptions, splitIndex, subscribeBindings, subscribeExchange, type Options,
} from '@sarra/config';

function options(component: string, text: string): Options {
  const st = newParseState(component, 'cfg', { USER: 'peter', HOSTNAME: 'node1' });
  parseText(st, text, 'cfg.conf');
  assert.deepEqual(st.diagnostics.filter((d) => d.severity === 'error'), []);
  return resolveOptions(st, Credentials.empty(), 'cfg.conf');
}

describe('derivations', () => {
  it('brokerUser', () => {
    assert.equal(brokerUser('amqp://bunny@localhost/'), 'bunny');
    assert.equal(brokerUser('amqps://bunny:pw@host:5671/v'), 'bunny');
    assert.equal(brokerUser('amqp://localhost/'), undefined);
    assert.equal(brokerUser(undefined), undefined);
  });

  it('subscribe exchange: anonymous -> xpublic, else xs_<user>, suffix, split, explicit', () => {
    assert.equal(subscribeExchange(options('subscribe', 'broker amqp://anonymous@h/')), 'xpublic');
    assert.equal(subscribeExchange(options('subscribe', 'broker amqp://bunny@h/')), 'xs_bunny');
    assert.equal(subscribeExchange(options('subscribe', 'broker amqp://bunny@h/\nexchangeSuffix poll')), 'xs_bunny_poll');
    const split = options('winnow', 'broker amqp://bunny@h/\nexchange xwinnow\nexchangeSplit 1');
    assert.equal(subscribeExchange(split, 3), 'xwinnow03');
    assert.equal(subscribeExchange(split), 'xwinnow');
    assert.equal(options('subscribe', 'broker amqp://bunny@h/').exchange, 'xs_bunny', 'Options.exchange holds the default');
  });

  it('post exchanges: explicit, xs_<post user>[_suffix], split into a list', () => {
    assert.deepEqual(postExchanges(options('shovel', 'post_broker amqp://feeder@h/\npost_exchange xpublic')), ['xpublic']);
    assert.deepEqual(postExchanges(options('shovel', 'post_broker amqp://alice@h/')), ['xs_alice']);
    assert.deepEqual(postExchanges(options('shovel', 'post_broker amqp://alice@h/\npost_exchangeSuffix out')), ['xs_alice_out']);
    assert.deepEqual(postExchanges(options('shovel', 'post_broker amqp://a@h/\npost_exchange xw\npost_exchange_split 3')), [
      'xw00', 'xw01', 'xw02',
    ]);
    assert.equal(splitIndex('AB', 4), (65 + 66) % 4);
  });

  it('queue name q_<user>.<component>.<config>.<queueShare> with USER, HOSTNAME, RAND8', () => {
    const o = options('subscribe', 'broker amqp://bunny@h/');
    assert.equal(defaultQueueName(o, '01234567', { USER: 'peter', HOSTNAME: 'node1' }), 'q_bunny.subscribe.cfg.peter_node1_01234567');
    const shared = options('subscribe', 'broker amqp://bunny@h/\nqueueShare ${USER}_x');
    assert.equal(defaultQueueName(shared, '1', { USER: 'peter' }), 'q_bunny.subscribe.cfg.peter_x');
    const named = options('sarra', 'broker amqp://bunny@h/\nqueue_name q_bunny.mine');
    assert.equal(defaultQueueName(named, '1'), 'q_bunny.mine');
  });

  it('${RAND8} in queueName is kept for defaultQueueName whichever synonym sets it (queue, queue_name, queueName)', () => {
    for (const name of ['queueName', 'queue_name', 'queue']) {
      const text = `broker amqp://bunny@h/\n${name} q_bunny.mine.\${RAND8}`;
      const [a, b] = [options('subscribe', text), options('subscribe', text)];
      assert.equal(a.queueName, 'q_bunny.mine.${RAND8}', name);
      assert.equal(b.queueName, a.queueName, `${name}: the same queue on every load`);
      assert.equal(defaultQueueName(a, '01234567'), 'q_bunny.mine.01234567', name);
    }
  });

  it('a broker URL without a user is user anonymous (sr3): xpublic, q_anonymous.…, ${BROKER_USER}, password anonymous', () => {
    const o = options('subscribe', 'broker amqps://dd.weather.gc.ca/\nsubtopic *.WXO-DD.#\nheader by=${BROKER_USER}');
    assert.equal(o.broker, 'amqps://anonymous@dd.weather.gc.ca/');
    assert.equal(brokerUser(o.broker), 'anonymous');
    assert.equal(o.exchange, 'xpublic');
    assert.deepEqual(subscribeBindings(o), [{ exchange: 'xpublic', key: 'v03.*.WXO-DD.#' }]);
    assert.equal(defaultQueueName(o, '01234567', { USER: 'peter', HOSTNAME: 'node1' }), 'q_anonymous.subscribe.cfg.peter_node1_01234567');
    assert.equal(o.headers.by, 'anonymous');
    // sr show: the derived name (USER and HOSTNAME of the process, as the instances derive it); ${RAND8} is drawn at the first start
    assert.match(String(showOptions(o).queueName), /^q_anonymous\.subscribe\.cfg\.[^.]+_\$\{RAND8\}$/);
    // a port, a vhost, and a post_broker alike; other schemes (mqtt, sftp) as written
    assert.equal(options('shovel', 'broker amqp://h:5673/v\npost_broker amqp://h/').post_broker, 'amqp://anonymous@h/');
    assert.equal(options('shovel', 'broker amqp://h:5673/v').broker, 'amqp://anonymous@h:5673/v');
    assert.equal(options('shovel', 'broker mqtt://h/').broker, 'mqtt://h/');
    assert.equal(options('sender', 'broker amqp://bunny@h/\nsendTo sftp://h/x').sendTo, 'sftp://h/x');
    // no entry in credentials.conf: sr3's public password; an entry for anonymous wins
    assert.equal(Credentials.empty().lookup(o.broker!)?.url, 'amqps://anonymous:anonymous@dd.weather.gc.ca/');
    const c = Credentials.parse('amqps://anonymous:s3cret@dd.weather.gc.ca/\n');
    assert.equal(c.lookup(o.broker!)?.url, 'amqps://anonymous:s3cret@dd.weather.gc.ca/');
    assert.equal(Credentials.empty().lookup('amqp://bunny@h/'), undefined, 'only anonymous has a default password');
  });

  it('bindings: topicPrefix.subtopic, # by default, none after subtopic None, topic override', () => {
    assert.deepEqual(bindingKeys(options('subscribe', 'broker amqp://b@h/')), ['v03.#']);
    assert.deepEqual(bindingKeys(options('subscribe', 'broker amqp://b@h/\ntopic_prefix v02.post\nsubtopic *.WXO-DD.#\nsubtopic x')), [
      'v02.post.*.WXO-DD.#', 'v02.post.x',
    ]);
    assert.deepEqual(bindingKeys(options('subscribe', 'broker amqp://b@h/\nsubtopic None')), []);
    assert.deepEqual(bindingKeys(options('subscribe', 'broker amqp://b@h/\ntopic v03.special.#')), ['v03.special.#']);
    const o = options('subscribe', 'broker amqp://b@h/\nsubtopic a.#\nexchange xother\nsubtopic b.#');
    assert.deepEqual(subscribeBindings(o), [
      { exchange: 'xother', key: 'v03.a.#' },
      { exchange: 'xother', key: 'v03.b.#' },
    ]);
    const o2 = options('subscribe', 'broker amqp://b@h/\nexchange xone\nsubtopic a.#\nexchange xtwo\nsubtopic b.#');
    assert.deepEqual(subscribeBindings(o2), [
      { exchange: 'xone', key: 'v03.a.#' },
      { exchange: 'xtwo', key: 'v03.b.#' },
    ]);
  });

  it('poll/post/watch read broker and exchange as the post side; post_topicPrefix and retry_ttl default', () => {
    const p = options('post', 'broker amqp://alice@h/\nexchange xs_alice_in');
    assert.equal(p.post_broker, 'amqp://alice@h/');
    assert.equal(p.broker, undefined);
    assert.deepEqual(postExchanges(p), ['xs_alice_in']);
    const poll = options('poll', 'broker amqp://alice@h/\npollUrl http://srv/\nsleep 600');
    assert.equal(poll.post_broker, 'amqp://alice@h/');
    assert.equal(poll.post_baseUrl, 'http://srv/');
    assert.equal(poll.scheduled_interval, 600, 'legacy sleep > 1 becomes scheduled_interval');
    const s = options('shovel', 'topic_prefix v02.post\nexpire 1h');
    assert.equal(s.post_topicPrefix, 'v02.post');
    assert.equal(s.post_format, 'v02');
    assert.equal(s.retry_ttl, 3600);
  });
});
