/**
 * The in-process backplane: collections of one process (several servers, tests) share
 * broadcasts through it. Delivery is asynchronous, like a real backplane's.
 */
import type { Backplane, BackplaneMessage } from './backplane.js';

export class MemoryBackplane implements Backplane {
  private readonly channels = new Map<string, Set<(message: BackplaneMessage) => void>>();
  onError?: (error: Error) => void;

  publish(channel: string, message: BackplaneMessage): void {
    const listeners = this.channels.get(channel);
    if (listeners === undefined) return;
    for (const listener of listeners) queueMicrotask(() => listener(message));
  }

  subscribe(channel: string, listener: (message: BackplaneMessage) => void): () => void {
    let listeners = this.channels.get(channel);
    if (listeners === undefined) this.channels.set(channel, (listeners = new Set()));
    listeners.add(listener);
    return () => listeners!.delete(listener);
  }

  async close(): Promise<void> {
    this.channels.clear();
  }
}
