// The pull APIs' queue (src/receive-queue.ts) pauses the socket once what waits passes the
// limit — counting each item's own cost too, so empty messages or fragments pause it as well.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/connection/connection.js';
import { ReceiveQueue } from '../../src/receive-queue.js';

function recordingConnection(): { connection: Connection; paused: () => boolean } {
  let paused = false;
  const connection = { pauseReading: () => (paused = true), resumeReading: () => (paused = false) } as unknown as Connection;
  return { connection, paused: () => paused };
}

describe('ReceiveQueue', () => {
  it('pauses reading on a flood of empty items, after limit / 64 of them, and resumes once half are taken', () => {
    const { connection, paused } = recordingConnection();
    const queue = new ReceiveQueue<Uint8Array>(connection, 64 * 1024, (item) => item.length);
    let pushed = 0;
    while (!paused() && pushed < 100_000) {
      queue.push(new Uint8Array(0));
      pushed++;
    }
    expect(paused()).toBe(true);
    expect(pushed).toBe(1025);
    let taken = 0;
    while (paused()) {
      queue.shift();
      taken++;
    }
    expect(taken).toBe(513); // 512 × 64 B left is half the limit

  });

});
