// Public entry of @sarra/broker: AMQP and MQTT behind one Consumer/Publisher interface (the management client is a separate entry).
export * from './types.js';
export {
  type ConnectOptions,
  type BrokerAddress,
  parseBrokerUrl,
  backoffDelay,
  sleep,
  AbortedError,
  openConnection,
} from './connection.js';
export { BrokerRefusedError, explainRefusal } from './refused.js';
export type { SessionStats } from './session.js';
export { Consumer, type ConsumerOptions } from './consumer.js';
export { Publisher, PublishError, type PublisherOptions, type OutgoingMessage } from './publisher.js';
export { brokerProtocol, openConsumer, openPublisher } from './open.js';
export { cleanupMqttSessions, declareMqttSessions, mqttClientId } from './mqtt-topology.js';
export { declareTopology, cleanupTopology, queueOptions } from './topology.js';
