/**
 * Origin allow-list matching (RFC 6455 §4.2.1 item 7, §10.2; origin serialisation per RFC 6454
 * §6.2). An origin and an allow-list entry match when their normalised forms are equal.
 */

/**
 * The comparable form of an origin: for a URL with a tuple origin (http, https, ws, wss) the
 * serialisation `scheme://host[:port]` with scheme and host lower-cased and the scheme's default
 * port dropped, so "HTTP://Example.COM:80" and "http://example.com" are the same origin.
 * Anything else ("null" from a sandboxed page, a malformed value) is compared as lower-cased text.
 */
export function normalizeOrigin(origin: string): string {
  const url = URL.canParse(origin) ? new URL(origin) : undefined;
  if (url !== undefined && url.origin !== 'null') return url.origin;
  return origin.toLowerCase();
}

export function isOriginAllowed(origin: string, allowedOrigins: readonly string[]): boolean {
  const wanted = normalizeOrigin(origin);
  return allowedOrigins.some((allowed) => normalizeOrigin(allowed) === wanted);
}
