/**
 * How a WebSocketCollection's broadcasts reach members connected to other processes or
 * machines (scale-out, as SignalR's backplanes do). A collection delivers to its own members
 * directly and publishes to the backplane for everyone else; what arrives from the backplane
 * with another origin is delivered to the local members. So local delivery never waits on the
 * backplane, and goes on when it is down.
 */

export interface BackplaneMessage {
  /** The publishing process's id: a collection skips its own messages when they come back. */
  origin: string;
  binary: boolean;
  /** Text, or base64 for binary (backplanes carry strings). */
  data: string;
}

export interface Backplane {
  /** Send to every subscriber of `channel` (including, possibly, ourselves). Never throws: failures go to onError. */
  publish(channel: string, message: BackplaneMessage): void;
  /** Receive what is published on `channel`; returns the unsubscribe function. */
  subscribe(channel: string, listener: (message: BackplaneMessage) => void): () => void;
  /** Problems (a lost connection, a retry) are reported here instead of being thrown. */
  onError?: (error: Error) => void;
  close(): Promise<void>;
}
