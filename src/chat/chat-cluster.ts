/**
 * `wsframe chat --workers N --redis URL`: N chat processes on one port with node:cluster. The
 * primary only forks, relays the stop and waits: it holds no WebSocket, loads no ioredis and
 * restarts nothing. Each worker runs the ordinary chat server (the same command line, seen from
 * a worker) with its room on the Redis backplane, so members connected to different workers
 * hear each other. The primary exits once every worker is gone: 0 after SIGINT/SIGTERM, 1 when
 * the workers ended on their own.
 */
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';

/** What a worker tells the primary once it serves. */
interface ListeningMessage {
  type: 'wsframe-chat-listening';
  url: string;
  transport: 'native' | 'node';
}
/** What the primary tells a worker to stop it (a signal could also hit it straight from a terminal). */
const STOP = { type: 'wsframe-chat-stop' } as const;

export async function runChatPrimary(workers: number, stopped: Promise<void>): Promise<number> {
  let stopping = false;
  const alive = new Set<Worker>();
  const listening = new Map<Worker, ListeningMessage>();
  const allGone = new Promise<void>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      alive.delete(worker);
      if (!stopping) {
        process.stderr.write(`wsframe chat: worker ${worker.id} (pid ${worker.process.pid}) exited (${signal ?? code}); not restarted, ${alive.size} left\n`);
      }
      if (alive.size === 0) resolve();
    });
  });
  cluster.on('message', (worker, message: ListeningMessage) => {
    if (message?.type !== 'wsframe-chat-listening') return;
    listening.set(worker, message);
    if (listening.size === workers) {
      const pids = [...listening.keys()].map((w) => w.process.pid).join(', ');
      const urls = [...new Set([...listening.values()].map((m) => m.url))].join(' and '); // one address: the workers share the port
      const transports = [...new Set([...listening.values()].map((m) => m.transport))].join(' and ');
      process.stdout.write(`wsframe chat listening on ${urls} (transport ${transports}; open it in a browser; ${workers} workers, pids ${pids})\n`);
    }
  });
  for (let i = 0; i < workers; i++) alive.add(cluster.fork());

  void stopped.then(() => {
    stopping = true;
    for (const worker of alive) {
      if (worker.isConnected()) worker.send(STOP);
      else worker.process.kill('SIGTERM');
    }
    // A worker stuck in its shutdown does not keep the primary alive for ever.
    setTimeout(() => {
      for (const worker of alive) worker.process.kill('SIGKILL');
    }, 10_000).unref();
  });
  await allGone;
  return stopping ? 0 : 1;
}

/** In a worker: tell the primary where it listens. */
export function reportListening(url: string, transport: 'native' | 'node'): void {
  const message: ListeningMessage = { type: 'wsframe-chat-listening', url, transport };
  process.send?.(message);
}

/** In a worker: resolves when the primary asks it to stop, or is gone (its IPC channel closed). */
export function untilPrimaryStops(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('message', onMessage);
      process.off('disconnect', done);
      resolve();
    };
    const onMessage = (message: unknown): void => {
      if ((message as { type?: unknown } | null)?.type === STOP.type) done();
    };
    process.on('message', onMessage);
    process.once('disconnect', done);
  });
}
