import { WebSocketError } from '../protocol/errors.js';
import { isToken } from './header-values.js';

/** Headers a caller adds to a handshake message; an array value becomes one line per element. */
export type ExtraHeaders = Readonly<Record<string, string | readonly string[]>>;

// field-value = *( HTAB / SP / VCHAR / obs-text ) (RFC 7230 §3.2), the same set node:http allows.
// Leaving out CR and LF is what stops a value from ending the header line and injecting another.
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Throws WS_ERR_INVALID_HEADER unless `name: value` can be written as one header line. */
export function checkHeaderField(name: string, value: string): void {
  if (!isToken(name)) {
    throw new WebSocketError('WS_ERR_INVALID_HEADER', `header name ${JSON.stringify(name)} is not a token`);
  }
  if (!FIELD_VALUE.test(value)) {
    throw new WebSocketError('WS_ERR_INVALID_HEADER', `value of header ${name} contains CR, LF or another control character`);
  }
}

/**
 * Throws WS_ERR_INVALID_HEADER unless every extra header can be written. A name in
 * `reservedNames` (lower case) is refused: those headers are written by the handshake itself, and
 * a second copy would contradict it.
 */
export function checkExtraHeaders(headers: ExtraHeaders | undefined, reservedNames: readonly string[]): void {
  for (const [name, values] of extraHeaderEntries(headers)) {
    if (reservedNames.includes(name.toLowerCase())) {
      throw new WebSocketError('WS_ERR_INVALID_HEADER', `header ${name} is set by the handshake and cannot be given`);
    }
    for (const value of values) checkHeaderField(name, value);
  }
}

/** The extra headers with every value as a list, one header line per element. */
export function extraHeaderEntries(headers: ExtraHeaders | undefined): Array<[string, readonly string[]]> {
  return Object.entries(headers ?? {}).map(([name, value]) => [name, typeof value === 'string' ? [value] : value]);
}

/** Whether the caller's headers include a name, compared case-insensitively. */
export function hasHeader(headers: ExtraHeaders | undefined, name: string): boolean {
  return Object.keys(headers ?? {}).some((candidate) => candidate.toLowerCase() === name);
}
