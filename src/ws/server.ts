/**
 * `wsframe/ws`'s WebSocketServer: the API of `ws` 8's server over wsframe's (src/server.ts).
 * wsframe's server does the handshake in every mode; ws's hooks run in its `verify` step
 * (shouldHandle, verifyClient, handleProtocols, the 'headers' event), and its 'connection'
 * sockets are handed out as `wsframe/ws` WebSockets.
 *
 * Modes, as in ws (one and only one of them):
 * - `port`: wsframe's standalone server (a net.Server reading request heads itself); the
 *   request given to 'connection' is wsframe's UpgradeRequestInfo, not an IncomingMessage.
 * - `server`: its 'upgrade' events go to handleUpgrade; a request shouldHandle refuses gets 400
 *   (as in ws: use `noServer` to share one HTTP server between several WebSocket servers).
 * - `noServer`: the application calls handleUpgrade.
 */
import { EventEmitter } from 'node:events';
import type * as http from 'node:http';
import type * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { WebSocketServer as CoreServer, pathOf } from '../server.js';
import type { UpgradeRequestInfo, VerifyResult, WebSocketServerOptions as CoreOptions } from '../server.js';
import type { WebSocket as CoreWebSocket } from '../websocket.js';
import { computeAccept, formatExtensionList, negotiateExtensions, validateUpgradeRequest } from '../handshake/index.js';
import type { AcceptableUpgrade, ExtensionNegotiator } from '../handshake/index.js';
import { deflateNegotiator } from '../extensions/permessage-deflate.js';
import { WebSocketError } from '../protocol/errors.js';
import { WebSocket } from './websocket.js';
import { deflateOptionsFromWs, maxPayloadToLimit } from './options.js';
import type { WsPerMessageDeflateOptions } from './options.js';

/** What ws's verifyClient is shown. */
export interface VerifyClientInfo {
  origin: string | undefined;
  secure: boolean;
  req: UpgradeRequestInfo;
}
type VerifyClientCallback = (result: boolean, code?: number, name?: string, headers?: Record<string, string | number>) => void;

export interface ServerOptions {
  port?: number;
  host?: string;
  backlog?: number;
  server?: http.Server | https.Server;
  noServer?: boolean;
  /** Accept only this path (query ignored); see shouldHandle. */
  path?: string;
  /** `(info) => boolean`, or `(info, callback) => void` to decide later. Refused: 401 unless the callback names a status. */
  verifyClient?: (info: VerifyClientInfo, callback: VerifyClientCallback) => boolean | void;
  /** `(protocols: Set<string>, request) => string | false`. Default: the client's first. */
  handleProtocols?: (protocols: Set<string>, request: UpgradeRequestInfo) => string | false;
  /** Off by default. */
  perMessageDeflate?: boolean | WsPerMessageDeflateOptions;
  /** Largest message in bytes; 0: no limit. Default 4194304 (wsframe's; ws: 104857600). */
  maxPayload?: number;
  /** Keep `clients`. Default true. */
  clientTracking?: boolean;
  /** ms to wait for the close handshake to finish. Default 5000 (wsframe's; ws: 30000). */
  closeTimeout?: number;
  [option: string]: unknown;
}

/** The events and their arguments, as ws has them (typed listeners for TypeScript users). */
export interface WebSocketServerEvents {
  /** `request`: node:http's IncomingMessage (server, noServer) or wsframe's UpgradeRequestInfo (port); whoever emits may add more. */
  connection: [socket: WebSocket, request: UpgradeRequestInfo, ...extra: any[]];
  listening: [];
  error: [error: Error];
  close: [];
  headers: [headers: string[], request: UpgradeRequestInfo];
  wsClientError: [error: Error, socket: Duplex, request: UpgradeRequestInfo];
}

type UpgradeCallback = (ws: WebSocket, request: UpgradeRequestInfo) => void;

const RUNNING = 0, CLOSING = 1, CLOSED = 2;

export class WebSocketServer extends EventEmitter<WebSocketServerEvents> {
  /** The open sockets, when `clientTracking` is on (the default). */
  readonly clients: Set<WebSocket> | undefined;
  readonly options: ServerOptions;

  private readonly engine: CoreServer;
  /** handleUpgrade's callbacks, by request, until wsframe's server hands out the socket. */
  private readonly callbacks = new WeakMap<object, UpgradeCallback>();
  /** The subprotocol chosen in verify (where the 'headers' event needs it), by request. */
  private readonly chosenProtocols = new WeakMap<object, string | undefined>();
  /** What wsframe's server negotiates with, for the 'headers' event's Sec-WebSocket-Extensions line. */
  private readonly negotiators: ExtensionNegotiator[];
  private removeServerListeners: (() => void) | undefined;
  private state = RUNNING;

  constructor(options: ServerOptions, callback?: () => void) {
    super();
    const modes = [options.port !== undefined, options.server !== undefined, Boolean(options.noServer)].filter(Boolean).length;
    if (modes !== 1) throw new TypeError('One and only one of the "port", "server", or "noServer" options must be specified');
    this.options = { clientTracking: true, ...options };
    if (this.options.clientTracking) this.clients = new Set();

    const deflate = options.perMessageDeflate === undefined ? undefined : deflateOptionsFromWs(options.perMessageDeflate);
    this.negotiators = deflate ? [deflateNegotiator(deflate === true ? {} : deflate)] : [];
    const core: CoreOptions = {
      receiveBufferLimit: maxPayloadToLimit(options.maxPayload),
      closeTimeout: options.closeTimeout,
      perMessageDeflate: deflate,
      verify: (request) => this.verify(request),
      protocols: (_offered, request) => this.chosenProtocols.get(request),
    };
    if (options.port !== undefined) {
      this.engine = new CoreServer({ ...core, port: options.port, host: options.host, backlog: options.backlog });
      this.engine.on('listening', () => this.emit('listening'));
      this.engine.on('error', (error) => this.emit('error', error));
      if (callback !== undefined) this.once('listening', callback);
    } else {
      this.engine = new CoreServer(core);
      const server = options.server;
      if (server !== undefined) {
        const listening = (): boolean => this.emit('listening');
        const error = (cause: Error): boolean => this.emit('error', cause);
        const upgrade = (request: http.IncomingMessage, socket: Duplex, head: Buffer): void =>
          this.handleUpgrade(request, socket, head, (ws) => this.emit('connection', ws, request));
        server.on('listening', listening).on('error', error).on('upgrade', upgrade);
        this.removeServerListeners = () => server.off('listening', listening).off('error', error).off('upgrade', upgrade);
      }
    }
    this.engine.on('connection', (core: CoreWebSocket, request: UpgradeRequestInfo) => this.connected(core, request));
  }

  /** The listening address; throws in noServer mode, as ws does. */
  address(): AddressInfo | string | null {
    if (this.options.noServer) throw new Error('The server is operating in "noServer" mode');
    return this.engine.address();
  }

  /** Whether this server takes `request`: by default, whether its path is `path`. Override to decide otherwise. */
  shouldHandle(request: Pick<UpgradeRequestInfo, 'url'>): boolean {
    return this.options.path === undefined || pathOf(request.url) === this.options.path;
  }

  /**
   * Run the handshake on `socket`; `callback(ws, request)` once it succeeded. A request that is
   * not a valid upgrade is answered with its 4xx — or, when someone listens to 'wsClientError',
   * handed to them with a WebSocketError (the listener then answers and closes the socket).
   */
  handleUpgrade(request: UpgradeRequestInfo, duplex: Duplex, head: Buffer, callback: UpgradeCallback): void {
    const socket = duplex as Socket; // what node:http hands to 'upgrade' listeners
    if (this.listenerCount('wsClientError') > 0 && this.state === RUNNING) {
      const verdict = validateUpgradeRequest(request);
      if (!verdict.ok) {
        this.emit('wsClientError', new WebSocketError(verdict.code, verdict.reason, { statusCode: verdict.status }), socket, request);
        return;
      }
    }
    this.callbacks.set(request, callback);
    this.engine.handleUpgrade(request, socket, head);
  }

  /**
   * Stop taking connections and close the ones open with 1001 (wsframe's choice: ws leaves them
   * open); 'close' and `callback` once all are gone. Called again: `callback` gets an error.
   */
  close(callback?: (error?: Error) => void): void {
    if (this.state === CLOSED) {
      if (callback !== undefined) this.once('close', () => callback(new Error('The server is not running')));
      process.nextTick(() => this.emit('close'));
      return;
    }
    if (callback !== undefined) this.once('close', () => callback());
    if (this.state === CLOSING) return;
    this.state = CLOSING;
    this.removeServerListeners?.();
    void this.engine.close().then(() => {
      this.state = CLOSED;
      this.emit('close');
    });
  }

  // ---- inside ------------------------------------------------------------------------------

  /** wsframe's verify step: shouldHandle, verifyClient, then the subprotocol and the 'headers' event. */
  private async verify(request: UpgradeRequestInfo): Promise<VerifyResult> {
    if (!this.shouldHandle(request)) return { accept: false, status: 400, reason: STATUS_CODES[400]! };
    const verifyClient = this.options.verifyClient;
    if (verifyClient !== undefined) {
      const socket = request.socket as Socket & { authorized?: boolean; encrypted?: boolean };
      const info: VerifyClientInfo = { origin: header(request, 'origin'), secure: Boolean(socket.authorized || socket.encrypted), req: request };
      const verdict =
        verifyClient.length >= 2
          ? await new Promise<Parameters<VerifyClientCallback>>((resolve) => verifyClient(info, (...answer) => resolve(answer)))
          : ([Boolean((verifyClient as (info: VerifyClientInfo) => boolean)(info))] as const);
      const [accepted, status = 401, reason, headers] = verdict;
      if (!accepted) return { accept: false, status, reason: reason ?? STATUS_CODES[status] ?? 'refused', headers: headers && stringValues(headers) };
    }
    const handshake = validateUpgradeRequest(request); // valid: wsframe's server checked it before verify
    if (!handshake.ok) return { accept: false, status: handshake.status, reason: handshake.reason };
    const protocol = this.chooseProtocol(handshake.protocols, request);
    this.chosenProtocols.set(request, protocol);
    return { accept: true, headers: this.headersEvent(request, handshake, protocol) };
  }

  private chooseProtocol(offered: string[], request: UpgradeRequestInfo): string | undefined {
    if (offered.length === 0) return undefined;
    const handleProtocols = this.options.handleProtocols;
    if (handleProtocols === undefined) return offered[0];
    return handleProtocols(new Set(offered), request) || undefined;
  }

  /**
   * ws's 'headers' event: listeners see the 101's lines and may push more; the lines they add are
   * sent. The extensions line is what wsframe's server will negotiate from the same offers.
   */
  private headersEvent(request: UpgradeRequestInfo, handshake: AcceptableUpgrade, protocol: string | undefined): Record<string, string[]> | undefined {
    if (this.listenerCount('headers') === 0) return undefined;
    const lines = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${computeAccept(handshake.key)}`];
    if (protocol !== undefined) lines.push(`Sec-WebSocket-Protocol: ${protocol}`);
    const extensions = negotiateExtensions(handshake.extensions, this.negotiators);
    if (extensions.length > 0) lines.push(`Sec-WebSocket-Extensions: ${formatExtensionList(extensions)}`);
    const given = lines.length;
    this.emit('headers', lines, request);
    const added: Record<string, string[]> = {};
    for (const line of lines.slice(given)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue; // not a header line: nothing to send
      (added[line.slice(0, colon).trim()] ??= []).push(line.slice(colon + 1).trim());
    }
    return added;
  }

  private connected(core: CoreWebSocket, request: UpgradeRequestInfo): void {
    this.chosenProtocols.delete(request);
    const ws = WebSocket.fromCore(core);
    if (this.clients !== undefined) {
      const clients = this.clients;
      clients.add(ws);
      ws.once('close', () => clients.delete(ws));
    }
    const callback = this.callbacks.get(request);
    this.callbacks.delete(request);
    if (callback !== undefined) callback(ws, request);
    else this.emit('connection', ws, request); // port mode: wsframe's server took the upgrade itself
  }
}

function header(request: UpgradeRequestInfo, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function stringValues(headers: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, String(value)]));
}
