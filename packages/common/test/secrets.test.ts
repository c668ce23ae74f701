// Unit tests: the one password redaction (every URL form, anywhere in a message) and the credentials lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redact, withCredentials } from '@sarra/common';

test('redact: the password of every scheme is masked, user and host kept', () => {
  for (const scheme of ['amqp', 'amqps', 'sftp', 'http', 'https', 'ftp', 'mqtts']) {
    assert.equal(redact(`${scheme}://bob:s3cret@host.example.com:1234/some/path`), `${scheme}://bob:***@host.example.com:1234/some/path`);
  }
});

test('redact: a password with a raw @ or :, or percent-encoded, is masked whole', () => {
  assert.equal(redact('amqp://bob:p@ss@host/'), 'amqp://bob:***@host/');
  assert.equal(redact('amqps://bob:p:a@s:s@host:5671/vhost'), 'amqps://bob:***@host:5671/vhost');
  assert.equal(redact('sftp://bob:p%40ss%3Aw%25rd@host/dir'), 'sftp://bob:***@host/dir');
  assert.equal(redact('http://bob:s3cr%3At@host:8080/x?y=1'), 'http://bob:***@host:8080/x?y=1');
});

test('redact: in the middle of a message, every URL of it, nothing else changed', () => {
  assert.equal(
    redact('cannot connect to amqp://bob:pw1@b1:5672/ (then sftp://eve:p@w2@h2/d): ECONNREFUSED, see a@b.c'),
    'cannot connect to amqp://bob:***@b1:5672/ (then sftp://eve:***@h2/d): ECONNREFUSED, see a@b.c',
  );
  assert.equal(redact("url 'https://u:x@h/p' refused"), "url 'https://u:***@h/p' refused");
  assert.equal(redact('a\namqp://u:x@h\nb'), 'a\namqp://u:***@h\nb');
});

test('redact: malformed URLs still hide the password', () => {
  assert.equal(redact('invalid broker URL amqp//u:secret@host'), 'invalid broker URL amqp//u:***@host');
  assert.equal(redact("not a URL: 'bob:secret@host'"), "not a URL: 'bob:***@host'");
  assert.equal(redact('//u:secret@host/x'), '//u:***@host/x');
});

test('redact: text without a password is unchanged', () => {
  for (const s of [
    'http://host/path', 'amqp://bob@host/', 'http://host:8080/a@b', 'https://h/p:q@r', '/data/a:b@c.txt',
    'rejected: 304 duplicate', 'sftp://host:22/x', 'at 12:30 ok', 'mail a@b.c', '',
  ]) assert.equal(redact(s), s);
});

test('withCredentials: the URL from credentials.conf when it has one, else the URL given', () => {
  const credentials = { lookup: (u: string) => (u === 'amqp://bob@host/' ? { url: 'amqp://bob:pw@host/' } : undefined) };
  assert.equal(withCredentials({ credentials }, 'amqp://bob@host/'), 'amqp://bob:pw@host/');
  assert.equal(withCredentials({ credentials }, 'amqp://eve@host/'), 'amqp://eve@host/');
  assert.equal(withCredentials({}, 'amqp://eve@host/'), 'amqp://eve@host/');
});
