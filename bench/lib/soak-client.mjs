/**
 * The load side of bench/soak.mjs, in its own process (10,000 client sockets here and 10,000
 * server sockets there stay under the 20,000 fds a process may open): `conns` wsframe clients
 * against ws://127.0.0.1:PORT, each answering the server's heartbeat pings (the client pongs by
 * itself) and sending a 64-byte text message every `messageInterval` s, whose echo it counts.
 * Every second `churn` of the connections go away — half with a close handshake, half by
 * dropping TCP — and as many new ones connect in their place.
 *
 *   node bench/lib/soak-client.mjs PORT CONNS CHURN MESSAGE_INTERVAL
 *
 * Over IPC: sends { ready } once all are open the first time, and starts the churn and the
 * messages on 'go'; answers 'stats' with counters;
 * 'quiesce' stops the churn and the messages, and answers once every slot is open again with no
 * handshake in flight; 'stop' closes everything and exits.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { connect } = require('../../dist/index.js');

const [port, conns, churn, messageInterval] = process.argv.slice(2).map(Number);
const url = `ws://127.0.0.1:${port}/soak`;
const PARALLEL_HANDSHAKES = 200;
const message = 'x'.repeat(64);

const slots = new Array(conns).fill(null); // the open WebSocket of each slot, or null
const stats = { open: 0, opened: 0, closedCleanly: 0, dropped: 0, failedConnects: 0, unexpectedCloses: 0, sent: 0, echoed: 0 };
const failures = {}; // failed connects by error code (a loaded machine: WS_ERR_HANDSHAKE_TIMEOUT)
const waiting = []; // slots to (re)connect
let connecting = 0;
let stopping = false;
let readySent = false;
let quiesced; // resolves the 'quiesce' command once all slots are open again

function openSlot(slot) {
  connecting++;
  // A loaded machine answers handshakes late: 30 s before one counts as failed (and is retried).
  connect(url, { perMessageDeflate: false, handshakeTimeout: 30_000 }).then(
    (ws) => {
      connecting--;
      stats.open++;
      stats.opened++;
      slots[slot] = ws;
      ws.on('message', () => stats.echoed++);
      ws.on('error', () => {});
      ws.on('close', () => {
        stats.open--;
        if (slots[slot] === ws) {
          // Not closed by us: the server dropped it (a heartbeat missed, a timeout). Reconnect.
          slots[slot] = null;
          stats.unexpectedCloses++;
          if (!stopping) waiting.push(slot);
        }
      });
      pump();
    },
    (error) => {
      connecting--;
      stats.failedConnects++;
      failures[error.code ?? error.message] = (failures[error.code ?? error.message] ?? 0) + 1;
      if (!stopping) setTimeout(() => (waiting.push(slot), pump()), 1000);
      pump();
    },
  );
}

/** Keeps at most PARALLEL_HANDSHAKES handshakes in flight. */
function pump() {
  while (!stopping && connecting < PARALLEL_HANDSHAKES && waiting.length > 0) openSlot(waiting.shift());
  if (!readySent && stats.open === conns) {
    readySent = true;
    process.send({ ready: true });
  }
  if (quiesced !== undefined && stats.open === conns && connecting === 0 && waiting.length === 0) {
    quiesced();
    quiesced = undefined;
  }
}

for (let i = 0; i < conns; i++) waiting.push(i);
pump();

let cursor = 0;
let tick = 0;
let everySecond;
const churnAndSend = () => {
  tick++;
  // Churn: these slots go away now and come back through the handshake queue.
  const leaving = Math.round(conns * churn);
  for (let i = 0; i < leaving; i++) {
    const slot = Math.floor(Math.random() * conns);
    const ws = slots[slot];
    if (ws === null) continue;
    slots[slot] = null;
    if (i % 2 === 0) {
      stats.closedCleanly++;
      ws.close(1000, 'churn').catch(() => {});
    } else {
      stats.dropped++;
      ws.terminate();
    }
    waiting.push(slot);
  }
  // Messages: each connection once per messageInterval seconds, spread over the seconds.
  const senders = Math.round(conns / messageInterval);
  for (let i = 0; i < senders; i++) {
    const ws = slots[cursor];
    cursor = (cursor + 1) % conns;
    if (ws !== null && ws.state === 'OPEN') {
      ws.send(message);
      stats.sent++;
    }
  }
  pump();
};

process.on('message', async (command) => {
  if (command === 'stats') process.send({ stats: { ...stats, connecting, waiting: waiting.length, tick, failures } });
  if (command === 'go') everySecond = setInterval(churnAndSend, 1000);
  if (command === 'quiesce') {
    clearInterval(everySecond);
    await new Promise((resolve) => ((quiesced = resolve), pump()));
    process.send({ quiesced: true });
  }
  if (command === 'stop') {
    stopping = true;
    clearInterval(everySecond);
    for (const ws of slots) ws?.terminate();
    process.exit(0);
  }
});
