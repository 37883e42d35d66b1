/**
 * Origin allow-list matching (RFC 6455 §4.2.1 item 7, §10.2), by RFC 6454: an origin is a
 * scheme, a host and a port (§4), sent as its serialisation `scheme "://" host [ ":" port ]`
 * (§6.2) — no path, no trailing slash, no user info, no query — or as `null` for an opaque
 * origin (§7.1: sandboxed frames, file: pages, …). Two origins are the same when scheme, host and
 * port are (§5); scheme and host compare case-insensitively, and a scheme's default port is the
 * same as no port ("HTTP://Example.COM:80" is "http://example.com").
 *
 * Anything else in a request's Origin header is not an origin at all, so it matches nothing
 * (403): "http://a.example/" is not "http://a.example". An allow-list entry that is not a
 * serialised origin is a configuration mistake, thrown when the list is made.
 */
import { WebSocketError } from '../protocol/errors.js';

/**
 * §6.2 in ABNF terms: a scheme (RFC 3986 §3.1), "://", a host — a bracketed IPv6 literal or a
 * name with none of the characters that would start a port, path, query, fragment or user info —
 * and an optional port of digits. What WHATWG URL parsing accepts on top of this (a path, a
 * trailing slash, user info) is exactly what must not pass.
 */
const SERIALIZED_ORIGIN = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(\[[0-9A-Fa-f:.]+\]|[^\s/?#@[\]:\\]+)(?::([0-9]+))?$/;

/** The opaque origin's serialisation (RFC 6454 §6.2 step 1). */
const NULL_ORIGIN = 'null';

/**
 * The comparable form of a serialised origin: `scheme://host[:port]`, scheme and host
 * lower-cased, a default port dropped, an IDN host in its ASCII (punycode) form and an IPv6
 * literal compressed (WHATWG URL's origin, for the schemes whose origin is a tuple: http, https,
 * ws, wss); for other schemes, scheme and host lower-cased as written. `'null'` for the opaque
 * origin. Undefined when `value` is not a serialised origin.
 */
export function parseOrigin(value: string): string | undefined {
  if (value.toLowerCase() === NULL_ORIGIN) return NULL_ORIGIN; // ABNF literals are case-insensitive
  const match = SERIALIZED_ORIGIN.exec(value);
  if (match === null || !URL.canParse(value)) return undefined; // e.g. a port over 65535, a bad IPv6 literal
  const origin = new URL(value).origin;
  if (origin !== NULL_ORIGIN) return origin;
  const [, scheme, host, port] = match;
  return `${scheme.toLowerCase()}://${host.toLowerCase()}${port === undefined ? '' : `:${port}`}`;
}

/**
 * The set of origins a server lets in. Made once, from the `origins` option; every entry must be
 * a serialised origin, or `'null'`.
 *
 * `'null'` in the list lets in requests whose Origin is `null`. Every opaque origin serialises
 * as `null` — any page can make one with a sandboxed iframe — so listing it admits every such
 * page: it is for local files and embedded browsers, not protection.
 */
export class AllowedOrigins {
  private readonly origins: ReadonlySet<string>;

  /** Throws WS_ERR_INVALID_ORIGIN for an entry that is not a serialised origin. */
  constructor(origins: readonly string[]) {
    const parsed = new Set<string>();
    for (const origin of origins) {
      const comparable = typeof origin === 'string' ? parseOrigin(origin) : undefined;
      if (comparable === undefined) {
        throw new WebSocketError(
          'WS_ERR_INVALID_ORIGIN',
          `allowed origin ${JSON.stringify(origin)} is not an origin: write scheme://host[:port] with no path, ` +
            `trailing slash, user info or query (RFC 6454 §6.2), or 'null'`,
        );
      }
      parsed.add(comparable);
    }
    this.origins = parsed;
  }

  /** Whether a request's Origin header value names one of the allowed origins. */
  allows(origin: string): boolean {
    const comparable = parseOrigin(origin);
    return comparable !== undefined && this.origins.has(comparable);
  }
}
