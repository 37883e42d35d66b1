/**
 * What carries the WebSocket under test: a TCP connection upgraded with HTTP/1.1 (RFC 6455 §4),
 * the same over TLS (wss://), or an HTTP/2 stream opened with an extended CONNECT (RFC 8441).
 * The vitest projects `tls` and `http2` (vitest.config.mts) set WSFRAME_TEST_CARRIER and run the
 * connection suites again: their standalone servers serve TLS (`tls`) or also take HTTP/2 by
 * prior knowledge (`http2: true`), and RawClient and the test client reach them that way, so the
 * server's connections sit on a TLSSocket or on the HTTP/2 stream transport
 * (src/transport/http2-stream-transport.ts).
 */
import { afterAll, it } from 'vitest';
import { certificateFiles, type CertificateFiles } from './tls-certificate.js';

const asked = process.env.WSFRAME_TEST_CARRIER;
export const carrier: 'tcp' | 'tls' | 'http2' = asked === 'tls' || asked === 'http2' ? asked : 'tcp';

/**
 * The `tls` project's certificate (self-signed for 127.0.0.1), one per test file, also as files
 * for `wsframe echo --tls-cert/--tls-key` (removed after the file's tests).
 */
export const carrierCertificate: CertificateFiles | undefined = carrier === 'tls' ? certificateFiles() : undefined;
afterAll(() => carrierCertificate?.remove());

/** What a ws (the npm package) client needs to trust the `tls` project's servers. */
export const wsClientCarrier: { ca?: Buffer } = carrierCertificate !== undefined ? { ca: carrierCertificate.cert } : {};

/** What connect() needs to reach a test server over this run's carrier (its URL: carrierUrl). */
export const clientCarrier: { http2?: true; ca?: Buffer } = carrier === 'http2' ? { http2: true } : wsClientCarrier;

/** The URL of a test server on 127.0.0.1: wss:// in the `tls` project, else ws://. */
export function carrierUrl(port: number, path = '/'): string {
  return `${carrier === 'tls' ? 'wss' : 'ws'}://127.0.0.1:${port}${path}`;
}

/**
 * A test about what only plain TCP has (the server's own reading of request heads, a socket's
 * own events): skipped in the `tls` and `http2` projects, where node:https or node:http2 does that part.
 */
export const itOverTcp: typeof it.skip = it.runIf(carrier === 'tcp');

/**
 * A test about HTTP/1.1's upgrade request itself (its method, Sec-WebSocket-Key, the 101), which
 * an RFC 8441 stream does not have: skipped in the `http2` project.
 */
export const itOverHttp1: typeof it.skip = it.skipIf(carrier === 'http2');

/** The request that opens a WebSocket on this carrier, as the access log writes it (RFC 8441 §4-5 over HTTP/2). */
export const openingRequest =
  carrier === 'http2' ? { method: 'CONNECT', version: 'HTTP/2', status: '200' } : { method: 'GET', version: 'HTTP/1.1', status: '101' };
