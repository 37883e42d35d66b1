/**
 * Pages served on the port of a WebSocket endpoint (the server's `pages` option; the chat): which
 * answer a plain HTTP request — one that is not a WebSocket upgrade — gets. No sockets here: a
 * request's method, target and version in, a status, headers and body out. The standalone server
 * writes the answer as bytes (pageResponse, src/handshake/responses.ts); a node:http or node:http2
 * server writes it through its response object (`pagesListener`).
 *
 * - A page's path (query ignored): GET and HEAD get the page (200), any other method 405 with
 *   `Allow: GET, HEAD` (RFC 9110 §15.5.6).
 * - The endpoint's path (every path when the server has none): 426 with `Upgrade: websocket`
 *   (RFC 9110 §15.5.22; over HTTP/2, which has no Upgrade header, RFC 9113 §8.2.2, without it).
 * - Anything else: 404.
 * Errors are one line of plain text, as the server's refusals are.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { pageResponse } from '../handshake/index.js';
import { pathOf } from '../server.js';

/** One page: its body and the headers to send with it. */
export interface StaticPage {
  /**
   * Response headers, Content-Type at least. Connection and Content-Length are the server's own
   * (a page given them throws WS_ERR_INVALID_HEADER, as does a value with CR or LF).
   */
  readonly headers: Readonly<Record<string, string>>;
  /** A string is sent as UTF-8. */
  readonly body: string | Uint8Array;
}

/** What a plain request is answered with. */
export interface PageAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** What routing needs of a request (node:http's IncomingMessage, node:http2's request, the standalone server's). */
export interface PageRequest {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  /** '1.1', or '2.0' over HTTP/2. */
  readonly httpVersion: string;
}

/**
 * What a WebSocket endpoint answers a plain HTTP/1.1 request with, pages or not: 426 and the
 * protocol to upgrade to (RFC 9110 §15.5.22, RFC 6455 §4.2.2).
 */
export const endpointOnly = {
  reason: 'this endpoint only accepts WebSocket upgrades',
  headers: { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' },
} as const;

export class StaticPages {
  private readonly pages = new Map<string, PageAnswer>();

  /**
   * `pages` by path (e.g. '/'), `endpoint` the WebSocket endpoint's path (undefined: every path).
   * Throws WS_ERR_INVALID_HEADER for a page header that cannot be sent, before anything listens.
   */
  constructor(pages: Readonly<Record<string, StaticPage>>, private readonly endpoint: string | undefined) {
    for (const [path, page] of Object.entries(pages)) {
      const answer = { status: 200, headers: page.headers, body: Buffer.from(page.body) };
      pageResponse(answer.status, answer.headers, answer.body); // checks the headers now
      this.pages.set(path, answer);
    }
  }

  answer(request: PageRequest): PageAnswer {
    const path = pathOf(request.url);
    const page = this.pages.get(path);
    if (page !== undefined) {
      return request.method === 'GET' || request.method === 'HEAD' ? page : plain(405, 'only GET and HEAD here', { Allow: 'GET, HEAD' });
    }
    if (this.endpoint === undefined || path === this.endpoint) {
      const { Upgrade, ...overHttp2 } = endpointOnly.headers;
      return plain(426, endpointOnly.reason, request.httpVersion.startsWith('1.') ? { Upgrade, ...overHttp2 } : overHttp2);
    }
    return plain(404, 'not found');
  }

  /**
   * A plain request that announced a body (Content-Length not 0, or Transfer-Encoding): the
   * standalone server reads no request bodies, so 413 (RFC 9110 §15.5.14), then it closes.
   */
  bodyRefused(): PageAnswer {
    return plain(413, 'request bodies are not accepted: pages are for GET and HEAD');
  }
}

function plain(status: number, text: string, headers: Record<string, string> = {}): PageAnswer {
  return { status, headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }, body: Buffer.from(`${text}\n`, 'utf8') };
}

/**
 * A node:http / node:http2 'request' listener answering with `pages` (node leaves out the body for
 * HEAD itself, and reads and drops a request body).
 */
export function pagesListener(pages: StaticPages): (request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse) => void {
  return (request, response) => {
    const answer = pages.answer(request);
    (response as ServerResponse).writeHead(answer.status, answer.headers).end(answer.body);
  };
}
