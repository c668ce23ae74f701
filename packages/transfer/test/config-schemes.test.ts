// @sarra/config refuses, at lint and at start, a sendTo/pollUrl whose scheme this registry cannot open: its list
// (TRANSFER_SCHEMES; config sits left of transfer and cannot ask) must be exactly the registry's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TRANSFER_SCHEMES } from '@sarra/config';
import { supportedSchemes } from '@sarra/transfer';

test("config's transfer schemes are the registry's schemes", () => {
  assert.deepEqual([...TRANSFER_SCHEMES].sort(), supportedSchemes().sort());
});
