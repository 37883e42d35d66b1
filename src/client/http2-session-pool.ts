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
  readonly session: http2.ClientHttp2Session;
  /** Resolves once the server's SETTINGS arrived and allow extended CONNECT; rejects otherwise. */
  readonly ready: Promise<void>;
  /** Streams opened or being opened on it; at 0 the session closes. */
  users: number;
}

export class Http2SessionPool {
  private readonly sessions = new Map<string, PooledSession>();
  /** `ca` values have no text form to key on: each distinct one gets a number. */
  private readonly caIds = new WeakMap<object, number>();
  private caCount = 0;

  /** Sessions open now (for tests and diagnostics). */
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
    if (pooled === undefined || pooled.session.closed || pooled.session.destroyed) {
      pooled = open(url, options);
      const entry = pooled;
      this.sessions.set(key, entry);
      entry.session.once('close', () => {
        if (this.sessions.get(key) === entry) this.sessions.delete(key);
      });
    }
    pooled.users++;
    try {
      await pooled.ready;
    } catch (error) {
      this.release(pooled.session);
      throw error;
    }
    return pooled.session;
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

function open(url: WebSocketUrl, options: SessionTlsOptions): PooledSession {
  const host = url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname;
  const authority = `${url.secure ? 'https' : 'http'}://${host}:${url.port}`;
  // Over TLS the socket is ours, offering h2 and http/1.1: a server that only speaks HTTP/1.1
  // then says so by ALPN (offering h2 alone, it may refuse the handshake with an alert instead).
  let refusedH2: (() => void) | undefined;
  const session = http2.connect(
    authority,
    url.secure
      ? {
          createConnection: () => {
            const socket = tls.connect({
              host: url.hostname,
              port: url.port,
              ca: options.ca,
              rejectUnauthorized: options.rejectUnauthorized,
              servername: options.servername ?? tlsServername(url.hostname),
              ALPNProtocols: ['h2', 'http/1.1'],
            });
            socket.once('secureConnect', () => {
              if (socket.alpnProtocol !== 'h2') refusedH2?.();
            });
            return socket;
          },
        }
      : {},
  );
  // Errors reach whoever waits (`ready`) or the streams; the session itself must not throw them at the process.
  session.on('error', () => {});
  const ready = new Promise<void>((resolve, reject) => {
    const done = (error?: Error): void => {
      session.off('remoteSettings', onSettings);
      session.off('error', done);
      session.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    refusedH2 = () => done(new Http2Unavailable(`${authority} did not pick h2 by ALPN`));
    const onClose = (): void => done(new Error(`the HTTP/2 connection to ${authority} closed before its SETTINGS`));
    const onSettings = (settings: http2.Settings): void => {
      if (settings.enableConnectProtocol === true) done();
      else done(new Http2Unavailable(`${authority} speaks HTTP/2 but does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3)`));
    };
    session.once('remoteSettings', onSettings);
    session.once('error', done);
    session.once('close', onClose);
  });
  ready.catch(() => session.destroy());
  return { session, ready, users: 0 };
}

/** SNI carries host names only (RFC 6066 §3): none for an IP address, as node:https does. */
function tlsServername(hostname: string): string | undefined {
  return /^[\d.]+$|:/.test(hostname) ? undefined : hostname;
}
