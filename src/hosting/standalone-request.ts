/**
 * The request the standalone server hands to `verify` and 'connection' listeners
 * (UpgradeRequestInfo), made from the head it read (src/handshake/request-head.ts).
 *
 * `headers`, node:http's shape of the header lines (names lower-cased, repeats joined), is made
 * when first read: the handshake itself reads `rawHeaders` (RFC 6455 §4.2.1 needs every line), and
 * most servers never read `headers`, so building it for every connection was a cost per
 * connection opened for nothing (bench/RESULTS.md, "server CPU to open").
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { RequestHeadParser, headersFromRaw } from '../handshake/index.js';
import type { RequestHead } from '../handshake/index.js';
import type { SocketAddresses, UpgradeRequestInfo } from '../server.js';

export class StandaloneRequest implements UpgradeRequestInfo {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  /** The header lines, or the head's bytes until they are first read. */
  private lines: readonly string[] | Uint8Array;
  private madeHeaders: IncomingHttpHeaders | undefined;

  /**
   * `head.rawHeaders` may be the bytes of the whole request head instead, for a plain upgrade the
   * addon answered (native/plain_upgrade.cc): its lines are then parsed only when first read.
   */
  constructor(
    head: Omit<RequestHead, 'rawHeaders'> & { readonly rawHeaders: readonly string[] | Uint8Array },
    readonly socket: Socket | SocketAddresses,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.httpVersion = head.httpVersion;
    this.lines = head.rawHeaders;
  }

  get rawHeaders(): readonly string[] {
    const lines = this.lines;
    if (!(lines instanceof Uint8Array)) return lines;
    // The addon answers only heads the TypeScript parser takes whole (test/handshake/plain-upgrade.test.ts).
    const result = new RequestHeadParser({ maxHeaderSize: lines.length }).push(lines);
    if (result.state !== 'complete') throw new Error(`a plain upgrade's head did not parse: ${result.state}`);
    return (this.lines = result.head.rawHeaders);
  }

  get headers(): IncomingHttpHeaders {
    return (this.madeHeaders ??= headersFromRaw(this.rawHeaders));
  }

  /**
   * Whether the request has an Upgrade or a Sec-WebSocket-Key line (so it tries to be a
   * handshake), read from the lines without making `headers`.
   */
  hasUpgradeOrKey(): boolean {
    const rawHeaders = this.rawHeaders;
    for (let i = 0; i < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!;
      if (name.length !== 7 && name.length !== 17) continue; // only these lengths can match
      const lowerCase = name.toLowerCase();
      if (lowerCase === 'upgrade' || lowerCase === 'sec-websocket-key') return true;
    }
    return false;
  }
}
