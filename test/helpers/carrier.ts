/**
 * What carries the WebSocket under test: a TCP connection upgraded with HTTP/1.1 (RFC 6455 §4),
 * or an HTTP/2 stream opened with an extended CONNECT (RFC 8441). The vitest project `http2`
 * (vitest.config.mts) sets WSFRAME_TEST_CARRIER=http2 and runs the connection suites again: its
 * standalone servers also take HTTP/2 by prior knowledge (`http2: true`), and RawClient and the
 * test client reach them over an HTTP/2 stream, so the server's connections sit on the HTTP/2
 * stream transport (src/transport/http2-stream-transport.ts).
 */
import { it } from 'vitest';

export const carrier: 'tcp' | 'http2' = process.env.WSFRAME_TEST_CARRIER === 'http2' ? 'http2' : 'tcp';

/**
 * A test about what only HTTP/1.1 over TCP has (the upgrade request's bytes, the 101, a socket's
 * own events): skipped in the `http2` project, where another test covers the same rule for a stream.
 */
export const itOverTcp = carrier === 'tcp' ? it : it.skip;

/** What connect() needs to reach a test server over this run's carrier (`http2: true` in `http2`). */
export const clientCarrier: { http2?: true } = carrier === 'http2' ? { http2: true } : {};
