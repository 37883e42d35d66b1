import { WebSocketError } from '../protocol/errors.js';

/**
 * Parsing and formatting of the list-valued handshake headers. Parsers never throw: malformed
 * input comes back as `{ ok: false, error }` for the caller to turn into a refusal or a failed
 * connection. Formatters throw a `WebSocketError`, because bad input there is the caller's bug.
 */

export type ParseResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** A parameter's value; `true` for a parameter written without "=" (RFC 6455 §9.1). */
export type ExtensionParamValue = string | true;

/** An extension's parameters in the order they were written; names may repeat. */
export type ExtensionParams = ReadonlyArray<readonly [name: string, value: ExtensionParamValue]>;

/** One element of Sec-WebSocket-Extensions: an offer in a request or an acceptance in a response. */
export interface Extension {
  readonly name: string;
  readonly params: ExtensionParams;
}

// tchar (RFC 7230 §3.2.6).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export function isToken(text: string): boolean {
  return TOKEN.test(text);
}

/** `text[start, stop)` without the optional whitespace (SP, HTAB) at either end (RFC 7230 §3.2.3). */
export function withoutOws(text: string, start = 0, stop = text.length): string {
  while (start < stop && isOws(text.charCodeAt(start))) start++;
  while (stop > start && isOws(text.charCodeAt(stop - 1))) stop--;
  return text.slice(start, stop);
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * The elements of a comma-separated list with surrounding whitespace removed. Empty elements
 * ("a, , b") are dropped, as RFC 7230 §7 requires of recipients.
 */
export function splitList(header: string): string[] {
  return header
    .split(',')
    .map((element) => withoutOws(element))
    .filter((element) => element !== '');
}

/**
 * Whether a list header (Connection, Upgrade) contains an option, compared ASCII
 * case-insensitively (RFC 6455 §4.2.1 items 3 and 4, RFC 7230 §6.1). Other elements are not
 * checked: `Upgrade: h2c, websocket` names websocket even though "h2c/2" would not be a token.
 */
export function listContainsToken(header: string, token: string): boolean {
  const wanted = token.toLowerCase();
  // Most such headers hold one element ("Upgrade: websocket"): no list to make for them.
  if (!header.includes(',')) return withoutOws(header).toLowerCase() === wanted;
  return splitList(header).some((element) => element.toLowerCase() === wanted);
}

/** A `1#token` list such as Sec-WebSocket-Protocol (RFC 6455 §4.1 item 10, §11.3.4). */
export function parseTokenList(header: string): ParseResult<string[]> {
  const elements = splitList(header);
  if (elements.length === 0) return { ok: false, error: 'the list is empty' };
  const invalid = elements.find((element) => !isToken(element));
  if (invalid !== undefined) return { ok: false, error: `"${invalid}" is not a token` };
  return { ok: true, value: elements };
}

/** The first name that appears twice in a list, if any. */
export function findDuplicate(names: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}

/**
 * Sec-WebSocket-Extensions (RFC 6455 §9.1):
 *   extension-list = 1#extension
 *   extension      = token *( ";" param )
 *   param          = token [ "=" ( token / quoted-string ) ]
 * where a quoted-string's unescaped value must itself be a token. Whitespace is allowed around
 * the separators, and empty list elements are skipped (RFC 7230 §7).
 */
export function parseExtensionList(header: string): ParseResult<Extension[]> {
  const scanner = new ExtensionScanner(header);
  const extensions: Extension[] = [];
  try {
    for (;;) {
      scanner.skipWhitespace();
      if (scanner.take(',')) continue;
      if (scanner.atEnd()) break;
      extensions.push(scanner.extension());
      scanner.skipWhitespace();
      if (!scanner.atEnd()) scanner.expect(',');
    }
  } catch (error) {
    if (error instanceof MalformedHeader) return { ok: false, error: error.message };
    throw error;
  }
  if (extensions.length === 0) return { ok: false, error: 'the list is empty' };
  return { ok: true, value: extensions };
}

/** Raised inside the scanner and turned into a `ParseResult` before it leaves this file. */
class MalformedHeader extends Error {}

/** A cursor over one header value; quoted strings rule out a simple split on "," and ";". */
class ExtensionScanner {
  private position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  skipWhitespace(): void {
    while (this.text[this.position] === ' ' || this.text[this.position] === '\t') this.position++;
  }

  take(char: string): boolean {
    if (this.text[this.position] !== char) return false;
    this.position++;
    return true;
  }

  expect(char: string): void {
    if (!this.take(char)) this.fail(`expected "${char}"`);
  }

  extension(): Extension {
    const name = this.token('an extension name');
    const params: Array<readonly [string, ExtensionParamValue]> = [];
    for (;;) {
      this.skipWhitespace();
      if (!this.take(';')) break;
      this.skipWhitespace();
      const paramName = this.token('a parameter name');
      this.skipWhitespace();
      if (!this.take('=')) {
        params.push([paramName, true]);
        continue;
      }
      this.skipWhitespace();
      params.push([paramName, this.text[this.position] === '"' ? this.quotedToken() : this.token('a parameter value')]);
    }
    return { name, params };
  }

  private token(what: string): string {
    const start = this.position;
    while (this.position < this.text.length && TOKEN_CHAR.test(this.text[this.position]!)) this.position++;
    if (this.position === start) this.fail(`expected ${what}`);
    return this.text.slice(start, this.position);
  }

  /** quoted-string with quoted-pair escapes (RFC 7230 §3.2.6); the value must be a token. */
  private quotedToken(): string {
    const start = this.position;
    this.position++;
    let value = '';
    for (;;) {
      const char = this.text[this.position++];
      if (char === undefined) this.fail('unterminated quoted string', start);
      if (char === '"') break;
      if (char === '\\') {
        const escaped = this.text[this.position++];
        if (escaped === undefined) this.fail('unterminated quoted string', start);
        value += escaped;
      } else {
        value += char;
      }
    }
    if (!isToken(value)) this.fail(`quoted value "${value}" is not a token`, start);
    return value;
  }

  private fail(problem: string, at = this.position): never {
    throw new MalformedHeader(`${problem} at offset ${at}`);
  }
}

/** The value of Sec-WebSocket-Extensions for a list of offers or acceptances (RFC 6455 §9.1). */
export function formatExtensionList(extensions: readonly Extension[]): string {
  return extensions.map(formatExtension).join(', ');
}

function formatExtension(extension: Extension): string {
  requireExtensionToken(extension.name, `extension name "${extension.name}"`);
  const parts = [extension.name];
  for (const [name, value] of extension.params) {
    requireExtensionToken(name, `parameter name "${name}" of ${extension.name}`);
    if (value === true) {
      parts.push(name);
    } else {
      // A valid value is always a token, so it is written bare; quoting would add nothing.
      requireExtensionToken(value, `value "${value}" of ${extension.name}; ${name}`);
      parts.push(`${name}=${value}`);
    }
  }
  return parts.join('; ');
}

function requireExtensionToken(text: string, what: string): void {
  if (!isToken(text)) throw new WebSocketError('WS_ERR_INVALID_EXTENSION', `${what} is not a token`);
}
