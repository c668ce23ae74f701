// credentials.conf: URL-encoded passwords, details, matching by scheme/user/host/port, file mode.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '@sarra/common';
import { Credentials } from '@sarra/config';

const TEXT = [
  '# pump secrets',
  'amqp://bunny:p%40ss%3Aw%2Frd@localhost/',
  'amqps://bunny:other@broker.example.org:5671/',
  'amqp://feeder:f1@localhost:5673/  login_method=PLAIN',
  'sftp://peter@sftp.example.org/   ssh_keyfile=/home/p/.ssh/id_ed25519, passive',
  'https://dd.example.org/ bt=abc123',
  'ftp://anonymous:anonymous@ftp.example.org/  passive,binary,tls',
  '',
].join('\n');

describe('Credentials', () => {
  const c = Credentials.parse(TEXT, 'credentials.conf');

  it('fills in the URL-encoded password for a config URL without one', () => {
    const r = c.lookup('amqp://bunny@localhost/');
    assert.equal(r?.url, 'amqp://bunny:p%40ss%3Aw%2Frd@localhost/');
    assert.equal(decodeURIComponent(new URL(r!.url).password), 'p@ss:w/rd');
    assert.deepEqual(r?.details, {});
  });

  it('matches on scheme, user, host and port (default ports equal explicit ones)', () => {
    assert.equal(c.lookup('amqp://bunny@localhost:5672/')?.url, 'amqp://bunny:p%40ss%3Aw%2Frd@localhost:5672/');
    assert.equal(c.lookup('amqps://bunny@broker.example.org/')?.url, 'amqps://bunny:other@broker.example.org/');
    assert.equal(c.lookup('amqp://bunny@broker.example.org/'), undefined, 'scheme differs');
    assert.equal(c.lookup('amqp://rabbit@localhost/'), undefined, 'user differs');
    assert.equal(c.lookup('amqp://feeder@localhost/'), undefined, 'port differs (5672 vs 5673)');
    assert.deepEqual(c.lookup('amqp://feeder@localhost:5673/vhost'), {
      url: 'amqp://feeder:f1@localhost:5673/vhost',
      details: { login_method: 'PLAIN' },
    });
  });

  it('returns details: ssh_keyfile, passive, bearer_token (bt=), ftp flags', () => {
    assert.deepEqual(c.lookup('sftp://peter@sftp.example.org/data')?.details, {
      ssh_keyfile: '/home/p/.ssh/id_ed25519',
      passive: 'true',
    });
    assert.deepEqual(c.lookup('https://dd.example.org/x/y')?.details, { bearer_token: 'abc123' });
    assert.deepEqual(c.lookup('ftp://anonymous@ftp.example.org/')?.details, { passive: 'true', binary: 'true', tls: 'true' });
  });

  it('a URL that already carries a password is returned as is', () => {
    assert.deepEqual(c.lookup('amqp://guest:guest@localhost/'), { url: 'amqp://guest:guest@localhost/', details: {} });
  });

  it('a line that is not a URL is skipped and reported at its line (password not echoed); the other lines stay', () => {
    const c2 = Credentials.parse('amqp://a:b@h/\nuser:secret@nohost\namqp://c:d@k/\n', 'cred.conf');
    assert.equal(c2.size, 2);
    assert.equal(c2.lookup('amqp://c@k/')?.url, 'amqp://c:d@k/');
    assert.equal(c2.problems.length, 1);
    const e = c2.problems[0]!;
    assert.ok(e instanceof ConfigError && e.line === 2 && e.file === 'cred.conf', String(e));
    assert.match(e.message, /^cred\.conf:2: not a URL .*line ignored$/);
    assert.doesNotMatch(e.message, /secret/);
  });

  it('explain: where the password for a refused login came from', async () => {
    const c2 = Credentials.parse('amqp://a:b@h/\nbroken line\n', '/x/credentials.conf');
    assert.equal(c2.explain('amqp://a@h:5672/%2F'),
      'the password for amqp://a@h:5672 comes from /x/credentials.conf:1; check it there (/x/credentials.conf line 2 ignored: not a URL)');
    assert.match(c2.explain('amqp://z@h:5672/'), /^\/x\/credentials\.conf has no line for amqp:\/\/z@h:5672 .*add a line for amqp:\/\/z@h:5672\/ with the password after the user name \(z:<password>\)/);
    const dir = await mkdtemp(join(tmpdir(), 'sarra-cred-'));
    try {
      const none = await Credentials.load(join(dir, 'credentials.conf'));
      assert.equal(none.missing, true);
      assert.equal(none.explain('amqp://bob@h:5672/'),
        `${join(dir, 'credentials.conf')} does not exist: create it with a line for amqp://bob@h:5672/ with the password after the user name (bob:<password>), chmod 600`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('load: missing file is empty; group/other-readable file is flagged insecure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sarra-cred-'));
    try {
      assert.equal((await Credentials.load(join(dir, 'none.conf'))).size, 0);
      const f = join(dir, 'credentials.conf');
      await writeFile(f, 'amqp://guest:guest@localhost/\n');
      await chmod(f, 0o600);
      const ok = await Credentials.load(f);
      assert.equal(ok.insecure, false);
      assert.equal(ok.lookup('amqp://guest@localhost')?.url, 'amqp://guest:guest@localhost');
      await chmod(f, 0o644);
      assert.equal((await Credentials.load(f)).insecure, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
