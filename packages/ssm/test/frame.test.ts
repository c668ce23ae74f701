// STOMP 1.2 frame codec: escaping, content-length bodies with NULs, heart-beat EOLs, split input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, StompProtocolError } from '../src/stomp/frame.js';

test('a SEND frame round-trips, byte by byte, with escaped headers and a body holding NUL and UTF-8', () => {
  const body = Buffer.from('a\0b é\n');
  const wire = encodeFrame({ command: 'SEND', headers: { destination: '/queue/x', 'empa-id': '6a/b:c\nd' }, body });
  assert.match(wire.toString(), /empa-id:6a\/b\\cc\\nd\n/);
  const d = new FrameDecoder();
  const got = [];
  for (const byte of Buffer.concat([Buffer.from('\n\r\n'), wire, Buffer.from('\n'), wire])) got.push(...d.push(Buffer.from([byte])));
  assert.equal(got.length, 2);
  assert.deepEqual(got[0], { command: 'SEND', headers: { destination: '/queue/x', 'empa-id': '6a/b:c\nd', 'content-length': String(body.length) }, body });
});

test('frames without content-length end at NUL; CRLF heads; first repeated header wins; CONNECTED is not unescaped', () => {
  const d = new FrameDecoder();
  const f = d.push(Buffer.from('MESSAGE\r\nsubscription:s-1\r\nx:1\r\nx:2\r\n\r\nhello\0CONNECTED\nserver:a\\c\n\n\0'));
  assert.equal(f[0]!.body.toString(), 'hello');
  assert.equal(f[0]!.headers.x, '1');
  assert.equal(f[1]!.headers.server, 'a\\c');
});

test('a bad escape or a body not ended by NUL is a protocol error', () => {
  assert.throws(() => new FrameDecoder().push(Buffer.from('MESSAGE\nk:\\t\n\n\0')), StompProtocolError);
  assert.throws(() => new FrameDecoder().push(Buffer.from('MESSAGE\ncontent-length:1\n\nab\0')), StompProtocolError);
});
