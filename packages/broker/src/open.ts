// The one place a broker protocol is chosen: a registry of Consumer and Publisher constructors keyed by URL scheme.
import { ConfigError, redact } from '@sarra/common';
import { Consumer, type ConsumerOptions } from './consumer.js';
import { MqttConsumer } from './mqtt-consumer.js';
import { MqttPublisher } from './mqtt-publisher.js';
import { Publisher, type PublisherOptions } from './publisher.js';
import type { BrokerConsumer, BrokerPublisher } from './types.js';

interface Driver {
  consumer(o: ConsumerOptions): BrokerConsumer;
  publisher(o: PublisherOptions): BrokerPublisher;
}

const amqp: Driver = { consumer: (o) => new Consumer(o), publisher: (o) => new Publisher(o) };
const mqtt: Driver = { consumer: (o) => new MqttConsumer(o), publisher: (o) => new MqttPublisher(o) };

const DRIVERS = new Map<string, Driver>([['amqp', amqp], ['amqps', amqp], ['mqtt', mqtt], ['mqtts', mqtt]]);

/** The protocol of a broker URL: 'amqp' (amqp, amqps), 'mqtt' (mqtt, mqtts); throws ConfigError for another scheme. */
export function brokerProtocol(url: string): 'amqp' | 'mqtt' {
  return driverOf(url) === mqtt ? 'mqtt' : 'amqp';
}

function driverOf(url: string): Driver {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase() ?? '';
  const d = DRIVERS.get(scheme);
  if (!d) throw new ConfigError(`broker URL ${redact(url)}: no driver for '${scheme}:' (${[...DRIVERS.keys()].join(', ')})`);
  return d;
}

/** A consumer for `o.url`: AMQP (amqp, amqps) or MQTT (mqtt, mqtts). Throws ConfigError for another scheme. */
export function openConsumer(o: ConsumerOptions): BrokerConsumer {
  return driverOf(o.url).consumer(o);
}

/** A publisher for `o.url`: AMQP (amqp, amqps) or MQTT (mqtt, mqtts). Throws ConfigError for another scheme. */
export function openPublisher(o: PublisherOptions): BrokerPublisher {
  return driverOf(o.url).publisher(o);
}
