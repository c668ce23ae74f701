// The seam between the SSM ends and the wire: what sender and receiver need of a broker connection.
// STOMP (stomp/client.ts) is SSM's own wire; AMQP (amqp.ts) is for sites already on a Sarracenia pump.
import type { Frame } from './stomp/frame.js';

/** One broker connection. Emits 'close' (with the error that ended it, if any) exactly once. */
export interface Transport {
  readonly isOpen: boolean;
  /** What the broker said about itself (STOMP CONNECTED headers; AMQP server properties). */
  readonly server: Record<string, string>;
  /** Sends `body`; resolves once the broker has it (STOMP receipt `receipt`, AMQP publisher confirm). */
  send(destination: string, body: Buffer, headers: Record<string, string>, receipt?: string): Promise<void>;
  /** Subscribes; every message comes as a MESSAGE frame whose headers include the sender's (`empa-id`). */
  subscribe(destination: string, onMessage: (f: Frame) => void, ack: 'auto' | 'client-individual', prefetch: number): Promise<void>;
  /** Acknowledges one message given to onMessage. */
  ack(message: Frame): void;
  /** Keeps an idle connection alive (STOMP: SSM's BEGIN/ABORT; AMQP: heart-beats do it). */
  ping(): Promise<void>;
  disconnect(): Promise<void>;
  once(event: 'close', listener: (err?: Error) => void): this;
}
