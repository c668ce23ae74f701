// Public entry of @sarra/ssm: a drop-in for APEL's Secure STOMP Messenger (ssmsend / ssmreceive).
export * from './options.js';
export { loadDns, parseDns, type DnList } from '@sarra/common/pki';
export * from './dirq/simple.js';
export * from './dirq/queue.js';
export * from './dirq/directory.js';
export * from './crypto/smime.js';
export { CryptoError, loadIdentity, subjectDn, TrustStore, type Identity } from '@sarra/common/pki';
export * from './stomp/client.js';
export * from './stomp/frame.js';
export * from './sender.js';
export * from './receiver.js';
export * from './cli.js';
export * from './log.js';
export * from './transport.js';
export { AmqpClient, amqpDestination } from './amqp.js';
