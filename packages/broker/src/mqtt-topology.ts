// What `sr declare` and `sr cleanup` do on an MQTT broker: create or end the persistent sessions of a consumer.
import type { ConsumerOptions } from './consumer.js';
import type { ConnectOptions } from './connection.js';
import { MqttConsumer } from './mqtt-consumer.js';
import { MqttSession } from './mqtt-session.js';

/** The MQTT client id of instance `instance` (1-based; the foreground's 0 counts as 1) of the consumer of `queue`. */
export function mqttClientId(queue: string, instance: number): string {
  return `${queue}_${String(Math.max(1, instance)).padStart(2, '0')}`;
}

/**
 * Declares on an MQTT broker what AMQP would hold in a queue: the persistent session of each of `instances`,
 * subscribed, so that what is published before the instances start waits for them.
 */
export async function declareMqttSessions(o: ConsumerOptions, instances: number): Promise<void> {
  for (let i = 1; i <= Math.max(1, instances); i++) {
    const c = new MqttConsumer({ ...o, clientId: mqttClientId(o.queue.name, i), shared: instances > 1 });
    try {
      await c.start();
    } finally {
      await c.close();
    }
  }
}

/** Ends the persistent sessions of a consumer's `instances` (clean start, no expiry): the broker drops what they held. */
export async function cleanupMqttSessions(o: ConnectOptions, queue: string, instances: number): Promise<void> {
  for (let i = 1; i <= Math.max(1, instances); i++) {
    const s = new MqttSession({ ...o, clientId: mqttClientId(queue, i), clean: true, sessionExpirySec: 0 }, { connected: () => {}, lost: () => {} });
    try {
      await s.start();
    } finally {
      await s.close();
    }
  }
}
