/**
 * The client's opening handshake over HTTP/2 (RFC 8441 §5): an extended CONNECT on a stream of a
 * pooled session, answered with a 2xx (then the stream carries the WebSocket) or a refusal.
 */
import type * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import { connectRequestHeaders, validateConnectResponse } from '../handshake/index.js';
import type { WebSocketUrl, ExtraHeaders, Extension } from '../handshake/index.js';
import { acceptDeflateAnswer, PERMESSAGE_DEFLATE } from '../extensions/permessage-deflate.js';
import type { DeflateParameters, PerMessageDeflateOptions } from '../extensions/permessage-deflate.js';
import { WebSocketError } from '../protocol/errors.js';
import { Http2StreamTransport } from '../transport/http2-stream-transport.js';
import type { Transport } from '../transport/transport.js';
import { guardHandshake, handshakeTimeout } from './handshake-guard.js';
import { Http2SessionPool, Http2Unavailable } from './http2-session-pool.js';
import type { SessionTlsOptions } from './http2-session-pool.js';

/** The one pool of the process: WebSockets to one origin share a session whoever opens them. */
export const sessionPool = new Http2SessionPool();

export interface Http2HandshakeOptions extends SessionTlsOptions {
  readonly protocols?: string[] | undefined;
  readonly headers?: ExtraHeaders | undefined;
  readonly origin?: string | undefined;
  readonly handshakeTimeout: number;
  readonly signal?: AbortSignal | undefined;
  /** The deflate offer and the options to accept an answer with; undefined: none offered. */
  readonly deflate: { offer: Extension; options: PerMessageDeflateOptions } | undefined;
}

export interface Http2Opened {
  readonly transport: Transport;
  /** The session's socket (for diagnostics), and the request's headers. */
  readonly socket: Socket;
  readonly requestHeaders: Record<string, string | string[]>;
  readonly protocol: string | undefined;
  readonly extensions: Extension[];
  readonly deflate: DeflateParameters | undefined;
}

/** The server cannot take a WebSocket over HTTP/2: 'auto' falls back to HTTP/1.1, `http2: true` fails. */
export { Http2Unavailable };

/** RFC 7231 §6.4: the redirects that carry a Location to retry at. */
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Open a WebSocket as an extended CONNECT stream. Rejects with Http2Unavailable (no h2 or no
 * extended CONNECT), WS_ERR_CONNECT_FAILED, WS_ERR_HANDSHAKE_TIMEOUT, a WS_ERR_HANDSHAKE_* code
 * for a refused or invalid answer, or the signal's reason.
 */
export async function http2Handshake(
  url: WebSocketUrl,
  o: Http2HandshakeOptions,
  deadline: number,
  mayRedirect: boolean,
): Promise<Http2Opened | { redirect: string }> {
  const offered = o.deflate !== undefined ? [o.deflate.offer] : [];
  const headers = connectRequestHeaders({ url, protocols: o.protocols, extensions: offered, origin: o.origin, headers: o.headers });
  let stream: http2.ClientHttp2Stream | undefined;
  let session: http2.ClientHttp2Session | undefined;

  return new Promise((resolve, reject) => {
    const abandon = (): void => {
      if (stream !== undefined) stream.close();
      else if (session !== undefined) sessionPool.release(session);
    };
    const { settle, fail, ended } = guardHandshake(o, deadline, reject, abandon, () => handshakeTimeout(url, o.handshakeTimeout));

    sessionPool.acquire(url, o).then(
      (acquired) => {
        session = acquired;
        if (ended()) {
          sessionPool.release(acquired); // the attempt ended (timeout, abort) while the session was made
          return;
        }
        let opened: http2.ClientHttp2Stream;
        try {
          opened = acquired.request(headers, { endStream: false });
        } catch (error) {
          fail(new WebSocketError('WS_ERR_CONNECT_FAILED', `could not open a stream to ${url.href}: ${(error as Error).message}`, { cause: error }));
          return;
        }
        stream = opened;
        // The session is released when the stream is gone, whatever became of it.
        opened.once('close', () => sessionPool.release(acquired));
        opened.on('error', (error) => {
          fail(new WebSocketError('WS_ERR_CONNECT_FAILED', `the stream to ${url.href} failed: ${error.message}`, { cause: error }));
        });
        opened.once('response', (answer: http2.IncomingHttpHeaders & http2.IncomingHttpStatusHeader) => {
          const status = answer[':status'];
          const location = answer.location;
          if (mayRedirect && redirectStatuses.has(status ?? 0) && location !== undefined) {
            if (settle()) {
              opened.close();
              resolve({ redirect: location });
            }
            return;
          }
          const verdict = validateConnectResponse({ status, headers: answer }, { protocols: o.protocols, extensions: offered });
          if (!verdict.ok) {
            fail(new WebSocketError(verdict.code, verdict.message, { statusCode: verdict.statusCode, headers: verdict.headers }));
            return;
          }
          const deflateAnswer = verdict.extensions.find((extension) => extension.name === PERMESSAGE_DEFLATE);
          const deflate = deflateAnswer !== undefined ? acceptDeflateAnswer(deflateAnswer.params, o.deflate?.options) : undefined;
          if (typeof deflate === 'string') {
            fail(new WebSocketError('WS_ERR_HANDSHAKE_BAD_EXTENSIONS', deflate));
            return;
          }
          if (!settle()) return;
          resolve({
            transport: new Http2StreamTransport(opened),
            socket: acquired.socket as Socket,
            requestHeaders: headers,
            protocol: verdict.protocol,
            extensions: verdict.extensions,
            deflate,
          });
        });
      },
      (error: unknown) => {
        if (error instanceof Http2Unavailable) fail(error);
        else fail(new WebSocketError('WS_ERR_CONNECT_FAILED', `could not open ${url.href} over HTTP/2: ${(error as Error).message}`, { cause: error }));
      },
    );
  });
}
