/**
 * A connection to the server through an HTTP proxy: a CONNECT tunnel (RFC 9110 §9.3.6), and for
 * wss:// TLS to the server inside it, so the proxy sees only the host and port. ws:// is
 * tunnelled too (not sent to the proxy as a request): a forwarding proxy would not pass the
 * Upgrade on (RFC 9110 §7.8: Upgrade is hop-by-hop). A refusal becomes a WS_ERR_PROXY_* error
 * that carries the proxy's status and headers.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { Socket } from 'node:net';
import * as tls from 'node:tls';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { WebSocketError } from '../protocol/errors.js';
import type { WebSocketErrorCode } from '../protocol/errors.js';
import type { WebSocketUrl } from '../handshake/index.js';
import type { ProxyUrl } from './proxy-environment.js';

/** How TLS is checked: the server's certificate inside the tunnel, and an https: proxy's. */
export type TunnelTlsOptions = Pick<TlsConnectionOptions, 'ca' | 'rejectUnauthorized' | 'servername'>;

/**
 * A socket to `target` through `proxy`, TLS already started on it for wss:// (the handshake
 * request can be written at once: TLS holds it until the session is up). Rejects with a
 * WS_ERR_PROXY_* error, or with `signal`'s reason once it aborts (the attempt is dropped).
 */
export function connectThroughProxy(proxy: ProxyUrl, target: WebSocketUrl, options: TunnelTlsOptions, signal: AbortSignal): Promise<Socket> {
  // RFC 9110 §9.3.6: the request target is the authority, host and port, an IPv6 address in brackets.
  const authority = `${isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname}:${target.port}`;
  const headers: Record<string, string> = { Host: authority };
  if (proxy.authorization !== undefined) headers['Proxy-Authorization'] = proxy.authorization;
  const request = (proxy.secure ? https : http).request({
    host: proxy.hostname,
    port: proxy.port,
    method: 'CONNECT',
    path: authority,
    headers,
    agent: false,
    ...(proxy.secure ? { ca: options.ca, rejectUnauthorized: options.rejectUnauthorized } : {}),
  });

  return new Promise((resolve, reject) => {
    let reachedProxy = false;
    const done = (): void => signal.removeEventListener('abort', onAbort);
    const onAbort = (): void => {
      request.destroy();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    request.on('socket', (socket: Socket) => socket.once(proxy.secure ? 'secureConnect' : 'connect', () => (reachedProxy = true)));

    // node:http reports every answer to CONNECT here, 2xx or not (it reads no body after it).
    request.on('connect', (response: http.IncomingMessage, socket: Socket, head: Buffer) => {
      done();
      const status = response.statusCode ?? 0;
      if (status < 200 || status > 299) {
        socket.destroy();
        const code = refusalCodes[status] ?? 'WS_ERR_PROXY_REFUSED';
        const why = code === 'WS_ERR_PROXY_AUTH_REQUIRED' && proxy.authorization !== undefined ? ' (it did not accept the credentials in the proxy URL)' : '';
        const message = `the proxy ${proxy.href} refused a tunnel to ${authority}: ${status} ${response.statusMessage ?? ''}${why}`;
        reject(new WebSocketError(code, message.trimEnd(), { statusCode: status, headers: response.headers }));
        return;
      }
      // 2xx: from here on the bytes are the server's (RFC 9110 §9.3.6); any that came with the answer go back first.
      if (head.length > 0) socket.unshift(head);
      if (!target.secure) {
        resolve(socket);
        return;
      }
      const servername = options.servername ?? (isIP(target.hostname) === 0 ? target.hostname : undefined);
      resolve(tls.connect({ socket, host: target.hostname, servername, ca: options.ca, rejectUnauthorized: options.rejectUnauthorized }));
    });

    request.on('error', (error: Error) => {
      done();
      reject(
        reachedProxy
          ? new WebSocketError('WS_ERR_PROXY_TUNNEL_CLOSED', `the proxy ${proxy.href} closed the connection before answering CONNECT ${authority}`, { cause: error })
          : new WebSocketError('WS_ERR_PROXY_CONNECT_FAILED', `could not reach the proxy ${proxy.href}: ${error.message}`, { cause: error }),
      );
    });
    request.end();
  });
}

/** The statuses with a code of their own: each asks for a different remedy. */
const refusalCodes: Readonly<Record<number, WebSocketErrorCode>> = {
  401: 'WS_ERR_PROXY_AUTH_REQUIRED', // what tinyproxy answers for wrong credentials (407 for none)
  403: 'WS_ERR_PROXY_FORBIDDEN',
  407: 'WS_ERR_PROXY_AUTH_REQUIRED',
  502: 'WS_ERR_PROXY_BAD_GATEWAY',
  504: 'WS_ERR_PROXY_BAD_GATEWAY',
};
