/**
 * Which proxy a connection goes through: the `proxy` option, or by default the environment's
 * HTTP_PROXY / HTTPS_PROXY / NO_PROXY, read as undici's EnvHttpProxyAgent reads them (curl's rules,
 * with the differences the README names). Pure: the environment comes in as an argument.
 */
import { WebSocketError } from '../protocol/errors.js';
import type { WebSocketUrl } from '../handshake/index.js';

/** A proxy to tunnel through, taken apart. */
export interface ProxyUrl {
  /** The URL without its credentials (for messages: a password never goes into an error). */
  readonly href: string;
  /** https: the connection to the proxy itself is TLS. */
  readonly secure: boolean;
  /** An IPv6 address without its brackets. */
  readonly hostname: string;
  /** The URL's port, else the scheme's default (80, 443), as undici and browsers take it. */
  readonly port: number;
  /** `Basic …` from the URL's user and password (RFC 7617), when it has them. */
  readonly authorization: string | undefined;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * The proxy for `target`: `option` when it is a URL, none when it is false, else the
 * environment's. ws:// reads http_proxy, then HTTP_PROXY; wss:// reads https_proxy, then
 * HTTPS_PROXY, then the ws:// choice (as undici). The lower-case name wins when both are set (as
 * curl), an empty value means no proxy, and a target NO_PROXY matches goes direct.
 * A proxy URL that is not http: or https: throws WS_ERR_INVALID_URL.
 */
export function chooseProxy(target: WebSocketUrl, option: string | URL | false | undefined, env: Environment): ProxyUrl | undefined {
  if (option === false) return undefined;
  if (option !== undefined) return parseProxyUrl(String(option), 'the proxy option');
  const httpProxy = first(env, 'http_proxy', 'HTTP_PROXY');
  const chosen = target.secure ? (first(env, 'https_proxy', 'HTTPS_PROXY') ?? httpProxy) : httpProxy;
  if (chosen === undefined || chosen.value === '') return undefined;
  if (bypassesProxy(target, first(env, 'no_proxy', 'NO_PROXY')?.value ?? '')) return undefined;
  return parseProxyUrl(chosen.value, chosen.name);
}

function first(env: Environment, ...names: string[]): { name: string; value: string } | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

function parseProxyUrl(text: string, source: string): ProxyUrl {
  const url = URL.canParse(text) ? new URL(text) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new WebSocketError('WS_ERR_INVALID_URL', `${source} (${JSON.stringify(redact(text))}) is not an http: or https: proxy URL`);
  }
  const secure = url.protocol === 'https:';
  // RFC 7617 §2: user-id ":" password, base64; the URL holds them percent-encoded.
  const credentials = url.username === '' && url.password === '' ? undefined : `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return {
    href: url.href,
    secure,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    authorization: credentials === undefined ? undefined : `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
  };
}

/** A URL that failed to parse, with anything between "//" and "@" hidden. */
function redact(text: string): string {
  return text.replace(/\/\/[^/@]*@/, '//…@');
}

/**
 * NO_PROXY: entries separated by commas or white space, each a host name or address, optionally
 * with ":port" (an IPv6 address with a port in brackets, `[::1]:8080`). An entry matches the
 * host itself and every subdomain of it; a leading "." or "*." and a trailing "." are ignored;
 * case does not matter. An entry with a port matches only that port. A lone `*` matches every
 * host. No CIDR ranges (undici has none; curl's newer versions do).
 */
export function bypassesProxy(target: WebSocketUrl, noProxy: string): boolean {
  const hostname = target.hostname.toLowerCase().replace(/(.)\.$/, '$1');
  for (const entry of noProxy.split(/[,\s]+/)) {
    if (entry === '') continue;
    if (entry === '*') return true;
    const { host, port } = noProxyEntry(entry);
    if (port !== undefined && port !== target.port) continue;
    if (hostname === host || hostname.endsWith(`.${host}`)) return true;
  }
  return false;
}

function noProxyEntry(entry: string): { host: string; port: number | undefined } {
  // "[::1]:8080", or "host:8080" (one colon: a bare IPv6 address has several), or a host alone.
  const match = /^\[(.+)\]:(\d+)$/.exec(entry) ?? (entry.split(':').length === 2 ? /^(.+):(\d+)$/.exec(entry) : null);
  const host = match?.[1] ?? entry.replace(/^\[(.+)\]$/, '$1');
  return {
    host: host.replace(/^\*?\./, '').replace(/(.)\.$/, '$1').toLowerCase(),
    port: match?.[2] === undefined ? undefined : Number(match[2]),
  };
}
