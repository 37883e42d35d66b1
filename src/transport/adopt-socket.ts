/**
 * Attached mode and `handleUpgrade` (README, "Attached mode"): after the handshake, an upgraded
 * socket's connection moves into the addon, so it costs what a standalone one does rather than a
 * net.Socket's ~4 KB, and reads and writes take the native path.
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

/** Whether this process can hand sockets to the addon at all. */
export const canAdoptSockets = nativeTransport !== undefined && process.platform !== 'win32';

/**
 * The native transport for `from`'s socket, and the bytes Node had read from it and not handed
 * out (they come before anything the addon reads); undefined when the socket cannot move (it
 * stays with `from`, untouched).
 */
export function adoptSocket(from: NodeSocketTransport): { transport: NativeTransport; unread: Buffer | null } | undefined {
  const socket = from.socket;
  if (!canAdoptSockets || (socket as TLSSocket).encrypted === true || socket.destroyed || socket.writableLength > 0) return undefined;
  const fd = (socket as Socket & { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return undefined;
  void socket.remoteAddress; // read now: kept by the socket after it is destroyed (its local address is not)
  const transport = NativeTransport.adopt(fd);
  if (transport === undefined) return undefined; // not a connected TCP socket, or out of descriptors: it stays a net.Socket
  from.release();
  const unread = socket.readableLength > 0 ? (socket.read() as Buffer | null) : null;
  socket.destroy();
  return { transport, unread };
}
