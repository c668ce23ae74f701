// Flow-test helper: an observer queue on an exchange (test-side, not part of the pump) collecting every
// notification published there, decoded, so tests can check what the pump announced.
import amqp from 'amqplib';
import { decode, type Decoded } from '@sarra/message';

interface TapMessage { decoded?: Decoded; error?: string; contentType?: string; routingKey: string; headers?: Record<string, unknown> }

export interface Tap {
  /** every message received so far, in arrival order */ messages: TapMessage[];
  close(): Promise<void>;
}

/**
 * Binds an exclusive auto-delete queue (name `tap.<exchange>.<random>`) to `exchange` with `#` and
 * collects what arrives (no ack needed). The exchange must exist (`sr declare` first).
 */
export async function tap(url: string, exchange: string): Promise<Tap> {
  const conn = await amqp.connect(url);
  conn.on('error', () => undefined);
  const ch = await conn.createChannel();
  ch.on('error', () => undefined);
  const q = await ch.assertQueue(`tap.${exchange}.${Math.random().toString(36).slice(2, 10)}`, { exclusive: true, autoDelete: true });
  await ch.bindQueue(q.queue, exchange, '#');
  const messages: TapMessage[] = [];
  await ch.consume(q.queue, (m) => {
    if (!m) return;
    const base: TapMessage = { routingKey: m.fields.routingKey, contentType: m.properties.contentType as string | undefined,
      headers: m.properties.headers as Record<string, unknown> | undefined };
    try {
      base.decoded = decode({ routingKey: m.fields.routingKey, body: m.content, contentType: base.contentType, headers: base.headers });
    } catch (e: unknown) {
      base.error = e instanceof Error ? e.message : String(e);
    }
    messages.push(base);
  }, { noAck: true });
  return { messages, close: async () => { await conn.close().catch(() => undefined); } };
}
