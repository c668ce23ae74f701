// Property tests: credentials round-trip any password; expandVars dates agree with Date; Python regex anchoring.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Credentials, expandVars, pythonRegex } from '@sarra/config';

describe('properties', () => {
  it('any URL-encoded password comes back decoded identically through lookup', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/), (pw, user) => {
        const c = Credentials.parse(`amqp://${user}:${encodeURIComponent(pw)}@broker.local:5672/  login_method=PLAIN\n`);
        const r = c.lookup(`amqp://${user}@broker.local/`);
        assert.ok(r);
        assert.equal(decodeURIComponent(new URL(r.url).password), pw);
        assert.equal(new URL(r.url).username, user);
      }),
    );
  });

  it('${YYYYMMDD}/${HH} and strftime agree with Date in UTC, offsets included', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: -2000, max: 2000 }), (now, offMin) => {
        const t = new Date(now + offMin * 60_000);
        const want = `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')}`;
        const sign = offMin < 0 ? '-' : '+';
        assert.equal(expandVars(`\${YYYYMMDD${sign}${Math.abs(offMin)}m}`, {}, now), want);
        assert.equal(expandVars(`\${%o${sign}${Math.abs(offMin)}m%Y%m%d}`, {}, now), want);
        assert.equal(expandVars('${YYYYMMDD}', {}, now, offMin * 60), want);
      }),
    );
  });

  it('a literal pattern matches exactly the strings starting with it (re.match)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9/]{1,10}$/), fc.string({ maxLength: 10 }), fc.string({ maxLength: 5 }), (lit, tail, head) => {
        const re = pythonRegex(lit);
        assert.ok(re.test(lit + tail));
        if (!(head + lit).startsWith(lit)) assert.ok(!re.test(head + lit));
      }),
    );
  });
});
