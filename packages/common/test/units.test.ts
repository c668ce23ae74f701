import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSize, parseCount, parseFlag, parseOctal, redact, instanceStem, ConfigError } from '@sarra/common';

test('durations take sr3 suffixes and bare seconds', () => {
  assert.equal(parseDuration('30'), 30);
  assert.equal(parseDuration('1.5'), 1.5);
  assert.equal(parseDuration('5m'), 300);
  assert.equal(parseDuration('7h'), 25200);
  assert.equal(parseDuration('2d'), 172800);
  assert.equal(parseDuration('1w'), 604800);
  assert.throws(() => parseDuration('5 minutes'), /not a duration/);
});

test('sizes and counts', () => {
  assert.equal(parseSize('4k'), 4096);
  assert.equal(parseSize('10m'), 10 * 1024 * 1024);
  assert.equal(parseCount('4k'), 4000);
  assert.equal(parseCount('4ki'), 4096);
  assert.equal(parseCount('25'), 25);
  assert.throws(() => parseSize('lots'), /not a size/);
});

test('flags and octal', () => {
  assert.equal(parseFlag(''), true);
  assert.equal(parseFlag('on'), true);
  assert.equal(parseFlag('False'), false);
  assert.throws(() => parseFlag('maybe'), /not a flag/);
  assert.equal(parseOctal('644'), 0o644);
  assert.equal(parseOctal('0o775'), 0o775);
  assert.throws(() => parseOctal('999'), /octal/);
});

test('passwords are redacted from URLs', () => {
  assert.equal(redact('connect amqp://bob:s3cr%3At@host:5672/ now'), 'connect amqp://bob:***@host:5672/ now');
  assert.equal(redact('http://host/path'), 'http://host/path');
});

test('instance stems and config errors name file:line', () => {
  assert.equal(instanceStem('subscribe', 'a', 1), 'subscribe_a_01');
  assert.equal(instanceStem('subscribe', 'a', 100), 'subscribe_a_100');
  assert.equal(new ConfigError('unknown option foo', { file: '/x/a.conf', line: 3 }).message, '/x/a.conf:3: unknown option foo');
});
