/**
 * The server's attached mode and `handleUpgrade`, and the client (README, "Transports"): once the
 * handshake is done, a plain TCP connection moves from its net.Socket into the addon, so it costs
 * what a standalone server's does rather than a net.Socket's ~4 KB, and its reads and writes take
 * the native path.
 *
 * Only a plain TCP socket, on a system with file descriptors (not Windows), with nothing of ours
 * still to write: TLS state is node:tls's and stays there. The addon takes a duplicate of the
 * descriptor; the net.Socket is then destroyed, which closes its own descriptor only (no FIN is
 * sent: the duplicate keeps the connection open). Its peer's address is read first: a net.Socket
 * keeps it once read, so `request.socket.remoteAddress` and `remotePort` still answer on the
 * destroyed socket (`localAddress` does not, as on any destroyed net.Socket).
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { NativeTransport, nativeTransport } from './native-transport.js';
import type { NodeSocketTransport } from './node-socket-transport.js';
import type { Transport } from './transport.js';

/** Whether this process can hand sockets to the addon at all. */
export const canAdoptSockets = nativeTransport !== undefined && process.platform !== 'win32';

/**
 * The transport to carry `from`'s connection from now on, and the bytes to start it with: the
 * native transport, with what Node had read from the socket and not handed out after `head`; or,
 * when the socket cannot move, `from` itself (untouched) and `head`.
 */
export function handOver(from: NodeSocketTransport, head: Buffer): { transport: Transport; head: Buffer } {
  const socket = from.socket;
  if (!canAdoptSockets || (socket as TLSSocket).encrypted === true || socket.destroyed || socket.writableLength > 0) return { transport: from, head };
  const fd = (socket as Socket & { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return { transport: from, head };
  void socket.remoteAddress; // read now: kept by the socket after it is destroyed (its local address is not)
  const transport = NativeTransport.adopt(fd);
  if (transport === undefined) return { transport: from, head }; // not a connected TCP socket, or out of descriptors
  from.release();
  const unread = socket.readableLength > 0 ? (socket.read() as Buffer | null) : null;
  socket.destroy();
  return { transport, head: unread === null ? head : Buffer.concat([head, unread]) };
}
