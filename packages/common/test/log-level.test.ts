// logLevelOf: what a configuration's logLevel line becomes for the Logger (instances and sr's plugin entry points).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLevelOf } from '@sarra/common';

test('logLevelOf: the five levels as written, warn and none mapped, anything else (or nothing) info', () => {
  for (const l of ['debug', 'info', 'warning', 'error', 'critical'] as const) assert.equal(logLevelOf(l), l);
  assert.equal(logLevelOf('DEBUG'), 'debug');
  assert.equal(logLevelOf('warn'), 'warning');
  assert.equal(logLevelOf('none'), 'critical');
  assert.equal(logLevelOf('toString'), 'info');
  assert.equal(logLevelOf(undefined), 'info');
});
