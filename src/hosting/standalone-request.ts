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
import { headersFromRaw } from '../handshake/index.js';
import type { RequestHead } from '../handshake/index.js';
import type { SocketAddresses, UpgradeRequestInfo } from '../server.js';

export class StandaloneRequest implements UpgradeRequestInfo {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly rawHeaders: readonly string[];
  private madeHeaders: IncomingHttpHeaders | undefined;

  constructor(
    head: RequestHead,
    readonly socket: Socket | SocketAddresses,
  ) {
    this.method = head.method;
    this.url = head.url;
    this.httpVersion = head.httpVersion;
    this.rawHeaders = head.rawHeaders;
  }

  get headers(): IncomingHttpHeaders {
    return (this.madeHeaders ??= headersFromRaw(this.rawHeaders));
  }

  /**
   * Whether the request has an Upgrade or a Sec-WebSocket-Key line (so it tries to be a
   * handshake), read from the lines without making `headers`.
   */
  hasUpgradeOrKey(): boolean {
    for (let i = 0; i < this.rawHeaders.length; i += 2) {
      const name = this.rawHeaders[i]!;
      if (name.length !== 7 && name.length !== 17) continue; // only these lengths can match
      const lowerCase = name.toLowerCase();
      if (lowerCase === 'upgrade' || lowerCase === 'sec-websocket-key') return true;
    }
    return false;
  }
}
