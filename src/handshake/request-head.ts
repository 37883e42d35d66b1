import type { IncomingHttpHeaders } from 'node:http';
import { withoutOws } from './header-values.js';

/**
 * An incremental parser for the head of an HTTP/1.1 request (RFC 7230 §3): request line and
 * header fields, up to the empty line. Sans-I/O: bytes in, in any split, and out either the
 * parsed head, in the shape node:http gives and `validateUpgradeRequest` takes, with the offset
 * in the last chunk where the head ended (what follows is the client's first WebSocket frames),
 * or a refusal with the status to answer. The standalone server reads upgrade requests with it.
 *
 * Choices the RFCs leave open, all on the strict side, since every request this parser serves
 * is either upgraded or answered and closed, and a lenient parser behind a stricter or
 * differently lenient proxy is how requests get smuggled:
 * - Lines end in CRLF. A bare LF is refused with 400 (RFC 7230 §3.5 allows a recipient to accept
 *   it; WebSocket clients send CRLF, RFC 6455 §4.1). Empty lines before the request line are
 *   skipped, as §3.5 asks of a server.
 * - request-line = method SP request-target SP HTTP-version CRLF (§3.1.1), single spaces; the
 *   request-target is visible ASCII (RFC 3986 §2: anything else is percent-encoded). An
 *   HTTP-version whose major version is not 1 gets 505 (§2.6, RFC 7231 §6.6.6).
 * - header-field = field-name ":" OWS field-value OWS (§3.2). Whitespace between the name and the
 *   colon gets 400 (§3.2.4: MUST). obs-fold gets 400 (§3.2.4 lets a server choose 400 or
 *   unfolding). A value may hold HTAB, SP, VCHAR and obs-text (§3.2.6); CR, LF, NUL and the other
 *   controls get 400. Values are decoded as latin1, one character per byte, as node:http does.
 * - No body: after an upgrade the bytes that follow the head are frames, and any other request is
 *   answered and the connection closed. Transfer-Encoding gets 501 (§3.3.1: this server
 *   implements no transfer coding); a Content-Length that is not 0 gets 400, as does one that is
 *   not a number or that disagrees with another Content-Length line (§3.3.2, §3.3.3 item 4).
 * - The head (request line, header lines and the empty line, with their CRLFs, and any empty
 *   lines before the request line) may hold at most `maxHeaderSize` bytes; one byte more gets 431
 *   (RFC 6585 §5). The check runs as bytes arrive, so at most that many bytes are ever kept.
 */

/** The request line and header fields, as node:http's `IncomingMessage` has them. */
export interface RequestHead {
  readonly method: string;
  /** The request-target as sent, e.g. `/chat?room=1`. */
  readonly url: string;
  /** `'1.1'` for HTTP/1.1. */
  readonly httpVersion: string;
  /** Alternating names and values, as received (names in their case, values without OWS). */
  readonly rawHeaders: string[];
}

export interface RequestHeadRefusal {
  /** 400 malformed, 431 head too large, 501 transfer coding, 505 HTTP major version not 1. */
  readonly status: 400 | 431 | 501 | 505;
  /** One line for the refusal's body. */
  readonly reason: string;
  /**
   * Set when the head itself is complete and well formed and only the body it announces is
   * refused (a Content-Length that is not 0, or Transfer-Encoding): a server that also serves
   * pages answers such a request in its own way (src/hosting/static-pages.ts, 413).
   */
  readonly head?: RequestHead;
}

export type RequestHeadResult =
  | { readonly state: 'incomplete' }
  /** `bodyStart`: offset in the chunk just pushed where the bytes after the head begin. */
  | { readonly state: 'complete'; readonly head: RequestHead; readonly bodyStart: number }
  | { readonly state: 'refused'; readonly refusal: RequestHeadRefusal };

export interface RequestHeadOptions {
  /** Largest head in bytes, CRLFs included. */
  readonly maxHeaderSize: number;
}

type Refused = Extract<RequestHeadResult, { state: 'refused' }>;

const INCOMPLETE: RequestHeadResult = { state: 'incomplete' };
const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const REQUEST_LINE = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e]+) HTTP\/(\d)\.(\d)$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export class RequestHeadParser {
  private readonly maxHeaderSize: number;
  /** Bytes of the head seen so far. */
  private size = 0;
  /** The start of a line whose LF has not arrived yet: `partial[0, partialLength)`. */
  private partial: Buffer | undefined;
  private partialLength = 0;
  private method = '';
  private url = '';
  private httpVersion = '';
  private readonly rawHeaders: string[] = [];
  private done = false;

  constructor(options: RequestHeadOptions) {
    this.maxHeaderSize = options.maxHeaderSize;
  }

  /**
   * Feeds the next bytes. Call it until the result is 'complete' or 'refused'; pushing more after
   * that is a programming error and throws.
   */
  push(chunk: Uint8Array): RequestHeadResult {
    if (this.done) throw new Error('RequestHeadParser: the head is already complete or refused');
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let position = 0;
    while (position < bytes.length) {
      const lf = bytes.indexOf(LF, position);
      if (lf === -1) {
        // An unfinished line. Once it holds maxHeaderSize bytes the head can only end past the
        // limit, so refuse now rather than keep more.
        this.size += bytes.length - position;
        if (this.size >= this.maxHeaderSize) return this.refuse(431, 'request header block too large');
        this.keep(bytes.subarray(position));
        return INCOMPLETE;
      }
      this.size += lf + 1 - position;
      if (this.size > this.maxHeaderSize) return this.refuse(431, 'request header block too large');
      // A string per line, not one for the whole head: what a connection keeps (its url, a
      // subprotocol, an X-Forwarded-For hop) may be a slice of it, and keeps the whole string alive.
      let line = bytes.toString('latin1', position, lf);
      if (this.partialLength > 0) {
        line = this.partial!.toString('latin1', 0, this.partialLength) + line;
        this.partialLength = 0;
      }
      position = lf + 1;
      const result = this.line(line);
      if (result === undefined) continue;
      return 'state' in result ? result : { state: 'complete', head: result, bodyStart: position };
    }
    return INCOMPLETE;
  }

  /**
   * One line without its LF: the head once it is complete, a refusal, or undefined for more. The
   * line is read by index up to its CR, not sliced without it: a string less per line.
   */
  private line(line: string): RequestHead | Refused | undefined {
    // RFC 7230 §3: every line ends in CRLF; CR anywhere else fails the patterns below.
    const contentEnd = line.length - 1;
    if (contentEnd < 0 || line.charCodeAt(contentEnd) !== CR) {
      return this.refuse(400, 'a line ends in a bare LF (RFC 7230 §3 requires CRLF)');
    }

    if (this.httpVersion === '') {
      if (contentEnd === 0) return undefined; // §3.5: empty lines before the request line are skipped
      const match = REQUEST_LINE.exec(line.slice(0, contentEnd));
      if (match === null) return this.refuse(400, 'malformed request line (RFC 7230 §3.1.1)');
      if (match[3] !== '1') return this.refuse(505, `HTTP/${match[3]}.${match[4]} is not supported (RFC 7230 §2.6)`);
      this.method = match[1]!;
      this.url = match[2]!;
      this.httpVersion = `${match[3]}.${match[4]}`;
      return undefined;
    }

    if (contentEnd === 0) return this.complete();
    const first = line.charCodeAt(0);
    if (first === SP || first === HTAB) {
      return this.refuse(400, 'obsolete line folding in a header (RFC 7230 §3.2.4)');
    }
    const colon = line.indexOf(':');
    if (colon === -1) return this.refuse(400, 'a header line without a colon (RFC 7230 §3.2)');
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) {
      return /[ \t]$/.test(name)
        ? this.refuse(400, 'whitespace between a header name and its colon (RFC 7230 §3.2.4)')
        : this.refuse(400, `header name ${JSON.stringify(name)} is not a token (RFC 7230 §3.2)`);
    }
    const value = withoutOws(line, colon + 1, contentEnd);
    if (!FIELD_VALUE.test(value)) {
      return this.refuse(400, `the value of header ${name} contains a control character (RFC 7230 §3.2.6)`);
    }
    this.rawHeaders.push(name, value);
    return undefined;
  }

  /** The empty line arrived: refuse a body (see the module comment), else hand out the head. */
  private complete(): RequestHead | Refused {
    let contentLength: string | undefined;
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      const name = this.rawHeaders[i]!;
      const value = this.rawHeaders[i + 1]!;
      // Only these two names matter here: lower-case just the names of their lengths.
      if (name.length !== 17 && name.length !== 14) continue;
      const lowerCase = name.toLowerCase();
      if (lowerCase === 'transfer-encoding') {
        return this.refuse(501, 'request bodies are not accepted: no transfer coding is implemented (RFC 7230 §3.3.1)', this.head());
      }
      if (lowerCase === 'content-length') {
        if (!/^\d+$/.test(value) || (contentLength !== undefined && contentLength !== value)) {
          return this.refuse(400, 'invalid Content-Length (RFC 7230 §3.3.2)');
        }
        contentLength = value;
      }
    }
    if (contentLength !== undefined && !/^0+$/.test(contentLength)) {
      return this.refuse(400, 'request bodies are not accepted: what follows the head must be WebSocket frames', this.head());
    }
    this.done = true;
    this.partial = undefined;
    return this.head();
  }

  private head(): RequestHead {
    return { method: this.method, url: this.url, httpVersion: this.httpVersion, rawHeaders: this.rawHeaders };
  }

  private refuse(status: RequestHeadRefusal['status'], reason: string, head?: RequestHead): Refused {
    this.done = true;
    this.partial = undefined;
    return { state: 'refused', refusal: head === undefined ? { status, reason } : { status, reason, head } };
  }

  /** Keeps the start of an unfinished line; the caller has checked it fits the limit. */
  private keep(bytes: Buffer): void {
    const needed = this.partialLength + bytes.length;
    if (this.partial === undefined || needed > this.partial.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxHeaderSize, Math.max(needed, 2 * (this.partial?.length ?? 64))));
      this.partial?.copy(grown, 0, 0, this.partialLength);
      this.partial = grown;
    }
    bytes.copy(this.partial, this.partialLength);
    this.partialLength = needed;
  }
}

/**
 * Node's `IncomingMessage.headers` from `rawHeaders`: names lower-cased; a repeated header
 * joined with ', ' (RFC 7230 §3.2.2), Cookie with '; ' (RFC 6265 §5.4), Set-Cookie as an array,
 * and for the headers node keeps once (Host, User-Agent, Authorization …) the first line only.
 */
export function headersFromRaw(rawHeaders: readonly string[]): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    const existing = headers[name];
    if (name === 'set-cookie') {
      headers['set-cookie'] = [...(headers['set-cookie'] ?? []), value];
    } else if (existing === undefined) {
      headers[name] = value;
    } else if (name === 'cookie') {
      headers.cookie = `${existing as string}; ${value}`;
    } else if (!singleValueHeaders.has(name)) {
      headers[name] = `${existing as string}, ${value}`;
    }
  }
  return headers;
}

/** The headers whose repeats node:http drops (the `message.headers` documentation). */
const singleValueHeaders = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host',
  'if-modified-since', 'if-unmodified-since', 'last-modified', 'location', 'max-forwards',
  'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);
