// What a consumer or a publisher shows of the session it runs on (AMQP Session or MqttSession): one place for the
// start/connected/stats facade of the four of them.
import type { SessionStats } from './session.js';

/** The part of a session a consumer or publisher passes through. */
export interface SessionView {
  start(): Promise<void>;
  readonly connected: boolean;
  readonly stats: SessionStats;
}

/** A consumer or publisher over a session: start, connected and stats are the session's. */
export abstract class OnSession {
  protected abstract readonly session: SessionView;

  /** Resolves once connected (and set up) the first time; rejects with AbortedError if aborted or closed first. */
  start(): Promise<void> {
    return this.session.start();
  }

  get connected(): boolean {
    return this.session.connected;
  }

  /** Disconnects after the first connect, and total connected time in ms. */
  get stats(): SessionStats {
    return this.session.stats;
  }
}
