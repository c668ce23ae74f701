// Unit tests: the one layout module names every file an instance writes, as sr3 names them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cacheDir, configDir, hostEnv, instanceOfPidFile, instanceTag, legacyRetryQueueFiles, logFile, metricsFile, noVipFile, nodupeCacheFile, pidFile,
  retryQueueFile, stateDir, stateHost, stateTag,
} from '@sarra/common';

const env = { HOME: '/h' };

test('places: XDG honoured, else under HOME', () => {
  assert.equal(configDir(env), '/h/.config/sarra');
  assert.equal(cacheDir(env), '/h/.cache/sarra');
  assert.equal(cacheDir({ HOME: '/h', XDG_CACHE_HOME: '/x' }), '/x/sarra');
  assert.equal(stateDir('subscribe', 'a', env), '/h/.cache/sarra/subscribe/a');
});

test('instance tags: two digits (three from 100) for pid, log, metrics; three for nodupe and post retry', () => {
  assert.equal(instanceTag(1), '01');
  assert.equal(instanceTag(100), '100');
  assert.equal(stateTag(1), '001');
  assert.equal(stateTag(12), '012');
});

test('pid, log and metrics files of an instance', () => {
  assert.equal(pidFile('subscribe', 'a', 1, env), '/h/.cache/sarra/subscribe/a/subscribe_a_01.pid');
  assert.equal(logFile('subscribe', 'a', 2, env), '/h/.cache/sarra/log/subscribe_a_02.log');
  assert.equal(metricsFile('post', 'b', 100, env), '/h/.cache/sarra/metrics/post_b_100.json');
  assert.equal(instanceOfPidFile('subscribe', 'a', 'subscribe_a_07.pid'), 7);
  assert.equal(instanceOfPidFile('subscribe', 'a', 'subscribe_a_123.pid'), 123);
  assert.equal(instanceOfPidFile('subscribe', 'a', 'subscribe_ab_07.pid'), undefined);
  assert.equal(instanceOfPidFile('subscribe', 'a', 'subscribe_a_7.pid'), undefined);
});

test('state files follow sr3: recent_files_NNN.cache, diskqueue_work_retry_NN, diskqueue_post_retry_NNN, <component>_<config>_NNN.noVip', () => {
  assert.equal(nodupeCacheFile('/s', 1), '/s/recent_files_001.cache');
  assert.equal(noVipFile('/s', 'poll', 'p', 1), '/s/poll_p_001.noVip');
  assert.equal(retryQueueFile('/s', 'work', 1), '/s/diskqueue_work_retry_01');
  assert.equal(retryQueueFile('/s', 'post', 1), '/s/diskqueue_post_retry_001');
  assert.equal(retryQueueFile('/s', 'post', 100), '/s/diskqueue_post_retry_100');
});

test('earlier post retry names, adopted when the queue opens: the consumers\' NN and the producers\' post_retry_NNN', () => {
  assert.deepEqual(legacyRetryQueueFiles('/s', 'post', 1), ['/s/diskqueue_post_retry_01', '/s/post_retry_001']);
  assert.deepEqual(legacyRetryQueueFiles('/s', 'post', 100), ['/s/post_retry_100']);
  assert.deepEqual(legacyRetryQueueFiles('/s', 'work', 1), []);
});

test('statehost: the short host name ($HOSTNAME if a plain name) after ~/.cache/sarra, for every file of the configuration', () => {
  assert.equal(stateHost({ HOSTNAME: 'node1.example.com' }), 'node1');
  assert.equal(stateHost({ HOSTNAME: '../x' }), stateHost({}), 'not a plain name: the system host name');
  const a = hostEnv({ HOME: '/h', HOSTNAME: 'nodea' }, true);
  assert.equal(cacheDir(a), '/h/.cache/sarra/nodea');
  assert.equal(stateDir('subscribe', 's', a), '/h/.cache/sarra/nodea/subscribe/s');
  assert.equal(pidFile('subscribe', 's', 1, a), '/h/.cache/sarra/nodea/subscribe/s/subscribe_s_01.pid');
  assert.equal(logFile('subscribe', 's', 1, a), '/h/.cache/sarra/nodea/log/subscribe_s_01.log');
  assert.equal(metricsFile('subscribe', 's', 1, a), '/h/.cache/sarra/nodea/metrics/subscribe_s_01.json');
  assert.equal(cacheDir({ HOME: '/h', HOSTNAME: 'nodeb' }, true), '/h/.cache/sarra/nodeb');
  // without statehost the plain layout, even in an environment that had a host directory
  assert.equal(cacheDir(hostEnv(a, false)), '/h/.cache/sarra');
});
