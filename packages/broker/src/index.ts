// Public entry of @sarra/broker: the AMQP topic-exchange library (the management client is a separate entry).
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
export { declareTopology, cleanupTopology, queueOptions } from './topology.js';
