/**
 * The client's HTTP/2 sessions (RFC 8441): WebSockets to the same origin, with the same TLS
 * settings, share one session, one TCP and TLS connection, each on its own stream. A session is
 * made when the first WebSocket to its origin needs one and closed when its last stream ends.
 *
 * A session is usable for WebSockets once the server's first SETTINGS said
 * SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (RFC 8441 §3: "a client MUST NOT send an extended CONNECT"
 * before that); over TLS, only when ALPN picked h2 (RFC 7301).
 */
import * as http2 from 'node:http2';
import * as tls from 'node:tls';
import type { WebSocketUrl } from '../handshake/index.js';

export interface SessionTlsOptions {
  readonly ca?: tls.ConnectionOptions['ca'];
  readonly rejectUnauthorized?: boolean | undefined;
  readonly servername?: string | undefined;
}

/** Why a session cannot carry WebSockets: no h2 by ALPN, or no extended CONNECT in the server's SETTINGS. */
export class Http2Unavailable extends Error {}

interface PooledSession {
  /** The session once the server's SETTINGS allowed extended CONNECT. */
  readonly ready: Promise<http2.ClientHttp2Session>;
  session: http2.ClientHttp2Session | undefined;
  /** Streams opened or being opened on it; at 0 the session closes. */
  users: number;
}

export class Http2SessionPool {
  private readonly sessions = new Map<string, PooledSession>();
  /** `ca` values have no text form to key on: each distinct one gets a number. */
  private readonly caIds = new WeakMap<object, number>();
  private caCount = 0;

  /** Sessions open or opening now (for tests and diagnostics). */
  get size(): number {
    return this.sessions.size;
  }

  /**
   * A session to `url`'s origin that allows extended CONNECT, counted as used until `release`.
   * Rejects with Http2Unavailable when the server does not do RFC 8441, or with the connection's error.
   */
  async acquire(url: WebSocketUrl, options: SessionTlsOptions): Promise<http2.ClientHttp2Session> {
    const key = this.keyOf(url, options);
    let pooled = this.sessions.get(key);
    if (pooled === undefined || pooled.session?.closed === true || pooled.session?.destroyed === true) {
      const entry: PooledSession = { ready: openSession(url, options), session: undefined, users: 0 };
      this.sessions.set(key, entry);
      const forget = (): void => {
        if (this.sessions.get(key) === entry) this.sessions.delete(key);
      };
      entry.ready.then((session) => {
        entry.session = session;
        session.once('close', forget);
      }, forget);
      pooled = entry;
    }
    pooled.users++;
    try {
      return await pooled.ready;
    } catch (error) {
      pooled.users--;
      throw error;
    }
  }

  /** A stream on `session` is done (or was never opened): the last one closes the session. */
  release(session: http2.ClientHttp2Session): void {
    for (const pooled of this.sessions.values()) {
      if (pooled.session !== session) continue;
      if (--pooled.users === 0) session.close();
      return;
    }
    // Not pooled any more (it failed or closed): nothing else will close it.
    if (!session.closed) session.close();
  }

  private keyOf(url: WebSocketUrl, options: SessionTlsOptions): string {
    let ca = '';
    if (typeof options.ca === 'string') ca = options.ca;
    else if (options.ca !== undefined) {
      let id = this.caIds.get(options.ca);
      if (id === undefined) this.caIds.set(options.ca, (id = ++this.caCount));
      ca = `#${id}`;
    }
    return [url.secure ? 'https' : 'http', url.hostname, url.port, options.servername ?? '', options.rejectUnauthorized ?? true, ca].join('\n');
  }
}

/**
 * Connect, and resolve once the server's first SETTINGS allow extended CONNECT. Over TLS the
 * socket is made here first, offering h2 and http/1.1: a server that only speaks HTTP/1.1 says so
 * by ALPN (offered h2 alone, it may refuse the handshake with an alert instead), and the socket is
 * closed before node:http2 would send its preface to it.
 */
async function openSession(url: WebSocketUrl, options: SessionTlsOptions): Promise<http2.ClientHttp2Session> {
  const host = url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname;
  const authority = `${url.secure ? 'https' : 'http'}://${host}:${url.port}`;
  let socket: tls.TLSSocket | undefined;
  if (url.secure) {
    const connecting = tls.connect({
      host: url.hostname,
      port: url.port,
      ca: options.ca,
      rejectUnauthorized: options.rejectUnauthorized,
      servername: options.servername ?? tlsServername(url.hostname),
      ALPNProtocols: ['h2', 'http/1.1'],
    });
    socket = connecting;
    await new Promise<void>((resolve, reject) => {
      connecting.once('secureConnect', () => {
        connecting.off('error', reject);
        resolve();
      });
      connecting.once('error', reject);
    });
    if (connecting.alpnProtocol !== 'h2') {
      connecting.destroy();
      throw new Http2Unavailable(`${authority} did not pick h2 by ALPN`);
    }
  }
  const session = http2.connect(authority, socket !== undefined ? { createConnection: () => socket! } : {});
  // Errors reach whoever waits (below) or the streams; the session itself must not throw them at the process.
  session.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        session.off('remoteSettings', onSettings);
        session.off('error', done);
        session.off('close', onClose);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onClose = (): void => done(new Error(`the HTTP/2 connection to ${authority} closed before its SETTINGS`));
      const onSettings = (settings: http2.Settings): void => {
        if (settings.enableConnectProtocol === true) done();
        else done(new Http2Unavailable(`${authority} speaks HTTP/2 but does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3)`));
      };
      session.once('remoteSettings', onSettings);
      session.once('error', done);
      session.once('close', onClose);
    });
  } catch (error) {
    session.destroy();
    throw error;
  }
  return session;
}

/** SNI carries host names only (RFC 6066 §3): none for an IP address, as node:https does. */
function tlsServername(hostname: string): string | undefined {
  return /^[\d.]+$|:/.test(hostname) ? undefined : hostname;
}
