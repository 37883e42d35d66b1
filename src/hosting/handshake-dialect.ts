/**
 * How a server answers the opening handshake on one kind of carrier: an HTTP/1.1 upgrade
 * (RFC 6455 §4.2) written as bytes on a socket, or an HTTP/2 extended CONNECT (RFC 8441) answered
 * with HEADERS on its stream (http2-server.ts). The decision between them (enabled, origins,
 * maxConnections, verify, negotiation) is the server's one `upgrade()`; only these steps differ.
 */
import { acceptResponse, refusalResponse, validateUpgradeRequest } from '../handshake/index.js';
import type { Extension, ExtraHeaders, RefusedUpgrade, UpgradeRequest, UpgradeRequestOptions } from '../handshake/index.js';
import type { WebSocketFields } from '../handshake/server-handshake.js';
import type { Transport } from '../transport/transport.js';

/** What the server answers an acceptable request with. */
export interface HandshakeAnswer {
  readonly protocol: string | undefined;
  readonly extensions: readonly Extension[];
  readonly headers: ExtraHeaders | undefined;
}

/** What opening a connection needs of a request that may be accepted: what it offers, and how to send the acceptance. */
export interface Acceptance {
  readonly protocols: readonly string[];
  readonly extensions: readonly Extension[];
  /** Send the acceptance on `transport`; returns its status (101, or 200 over HTTP/2) for stats and the log. */
  accept(transport: Transport, answer: HandshakeAnswer): number;
}

/** A request that may be accepted, as a dialect validated it. */
export interface AcceptableHandshake extends WebSocketFields, Pick<Acceptance, 'accept'> {}

/**
 * A plain upgrade the addon answered (native/plain_upgrade.cc): the request offered no
 * subprotocol and no extension, so there is nothing to choose and the 101 is already made.
 */
export class PlainAcceptance implements Acceptance {
  get protocols(): readonly string[] {
    return nothingOffered;
  }
  get extensions(): readonly Extension[] {
    return nothingOffered;
  }

  constructor(private readonly response: Buffer) {}

  accept(transport: Transport): number {
    transport.write([this.response]);
    return 101;
  }
}

const nothingOffered: readonly never[] = Object.freeze([]);

/** A plain upgrade the native listener answered itself (NativeListener.answerPlainUpgrades): its 101 is written already. */
export const answeredByAddon: Acceptance = {
  protocols: nothingOffered,
  extensions: nothingOffered,
  accept: () => 101,
};

export interface HandshakeDialect {
  validate(request: UpgradeRequest, options: UpgradeRequestOptions): AcceptableHandshake | RefusedUpgrade;
  /** Send a complete refusal, then close (the socket, or the stream). */
  refuse(transport: Transport, status: number, reason: string, headers?: ExtraHeaders): void;
}

/** HTTP/1.1: RFC 6455 §4.2.1 checks, a 101 or a refusal as bytes, then the socket closes. */
export const http1Dialect: HandshakeDialect = {
  validate(request, options) {
    const verdict = validateUpgradeRequest(request, options);
    if (!verdict.ok) return verdict;
    // Each field named, not spread: a spread takes V8's slow path, on every handshake.
    return {
      ok: true,
      protocols: verdict.protocols,
      extensions: verdict.extensions,
      origin: verdict.origin,
      accept(transport, answer) {
        const { protocol, extensions, headers } = answer;
        transport.write([acceptResponse({ key: verdict.key, protocol, extensions, headers })]);
        return 101;
      },
    };
  },
  refuse(transport, status, reason, headers) {
    endAndDestroy(transport, refusalResponse(status, reason, headers));
  },
};

/** A complete response, then close (the client may still be sending; ending first lets it read ours). */
export function endAndDestroy(transport: Transport, response: Buffer): void {
  transport.write([response]);
  transport.end(() => transport.destroy());
}
