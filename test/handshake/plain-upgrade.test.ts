/**
 * The addon's plain upgrade (native/plain_upgrade.cc) against its reference, the TypeScript
 * handshake: whatever the addon answers, the request-head parser and the RFC 6455 §4.2.1 checks
 * accept too, with the same head length and byte for byte the same 101, and with nothing offered
 * that a server could choose (no subprotocol; extensions only where the server ignores them).
 * Checked over the heads real clients send, every one-byte change, deletion and insertion of
 * them, line-level changes (repeats, case, whitespace, each field's bad values), truncations and
 * random keys. The addon may decline what the reference accepts (that takes the TypeScript
 * path), but not the real clients' heads it is there for.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/native.js';
import { RequestHeadParser } from '../../src/handshake/request-head.js';
import { validateUpgradeRequest } from '../../src/handshake/server-handshake.js';
import { acceptResponse } from '../../src/handshake/responses.js';
import { computeAccept } from '../../src/handshake/accept-key.js';

const addon = nativeAddon;

/** Heads as clients send them (the key varies per client; any valid key will do). */
const CLIENT_HEADS: Record<string, string> = {
  'bench/loadgen.c': 'GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'RFC 6455 §1.2 (its subprotocol offer left out)':
    'GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Version: 13\r\n\r\n',
  'ws 8 (perMessageDeflate on)':
    'GET /path?x=1 HTTP/1.1\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nHost: 127.0.0.1:8080\r\n\r\n',
  Chromium:
    'GET /chat HTTP/1.1\r\nHost: localhost:8080\r\nConnection: Upgrade\r\nPragma: no-cache\r\nCache-Control: no-cache\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n' +
    'Upgrade: websocket\r\nOrigin: http://localhost:8080\r\nSec-WebSocket-Version: 13\r\nAccept-Encoding: gzip, deflate, br\r\n' +
    'Accept-Language: en-US,en;q=0.9\r\nSec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n' +
    'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n',
  Firefox:
    'GET /socket HTTP/1.1\r\nHost: example.org\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n' +
    'Accept: */*\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate, br, zstd\r\nSec-WebSocket-Version: 13\r\n' +
    'Origin: https://example.org\r\nSec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA==\r\n' +
    'Connection: keep-alive, Upgrade\r\nCookie: session=abc; theme=dark\r\nSec-Fetch-Dest: empty\r\nSec-Fetch-Mode: websocket\r\n' +
    'Sec-Fetch-Site: same-origin\r\nPragma: no-cache\r\nCache-Control: no-cache\r\nUpgrade: websocket\r\n\r\n',
  undici:
    'GET /ws HTTP/1.1\r\nhost: 127.0.0.1:3000\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-key: 9oXkqvmdvDtVvCcjmOnGgw==\r\n' +
    'sec-websocket-version: 13\r\nsec-websocket-extensions: permessage-deflate; client_max_window_bits\r\naccept: */*\r\n' +
    'accept-language: *\r\nsec-fetch-mode: websocket\r\nuser-agent: node\r\naccept-encoding: gzip, deflate\r\n\r\n',
  "Python's websockets":
    'GET / HTTP/1.1\r\nHost: 127.0.0.1:8765\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: kNh3nS2tC5lWmB1o9r0d6Q==\r\n' +
    'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\nUser-Agent: Python/3.11 websockets/10.4\r\n\r\n',
  'whitespace the RFCs allow (OWS, HTAB, empty list elements)':
    'GET / HTTP/1.1\r\nHost:example.com\r\nUpgrade: \tWebSocket \t\r\nConnection:  keep-alive ,, UPGRADE , x\r\nSec-WebSocket-Key:\tdGhlIHNhbXBsZSBub25jZQ==  \r\n' +
    'Sec-WebSocket-Version: 13\t\r\nSec-WebSocket-Extensions: , a ; b = c ;d ,, e\r\nX-Obs-Text: caf\xe9\r\n\r\n',
};

/** What the TypeScript handshake answers with nothing configured, if it is the plain 101. */
function reference(head: Buffer, ignoreExtensionOffers: boolean): { headLength: number; response: Buffer } | undefined {
  const parsed = new RequestHeadParser({ maxHeaderSize: 1 << 20 }).push(head);
  if (parsed.state !== 'complete') return undefined;
  const verdict = validateUpgradeRequest(parsed.head);
  if (!verdict.ok || verdict.protocols.length > 0) return undefined;
  if (verdict.extensions.length > 0 && !ignoreExtensionOffers) return undefined;
  return { headLength: parsed.bodyStart, response: acceptResponse({ key: verdict.key }) };
}

/** The addon's answer, or undefined when it declines. */
function native(head: Buffer, ignoreExtensionOffers: boolean): { headLength: number; response: Buffer } | undefined {
  const response = Buffer.alloc(129);
  const headLength = addon!.plainUpgrade(head, ignoreExtensionOffers, response);
  return headLength === 0 ? undefined : { headLength, response };
}

/** Checks one head both ways; returns whether the addon answered it. */
function agrees(head: Buffer): boolean {
  let answered = false;
  for (const ignore of [true, false]) {
    const mine = native(head, ignore);
    if (mine === undefined) continue;
    answered = true;
    const theirs = reference(head, ignore);
    expect(theirs, `the addon answered what the reference does not: ${JSON.stringify(head.toString('latin1'))}`).toBeDefined();
    expect(mine.headLength).toBe(theirs!.headLength);
    expect(mine.response.toString('latin1')).toBe(theirs!.response.toString('latin1'));
    // The server also refuses a head longer than maxHeaderSize: the reference's limit is the same length.
    expect(new RequestHeadParser({ maxHeaderSize: mine.headLength }).push(head).state).toBe('complete');
    expect(new RequestHeadParser({ maxHeaderSize: mine.headLength - 1 }).push(head).state).toBe('refused');
  }
  return answered;
}

const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');

describe.skipIf(addon === undefined)('plainUpgrade (native) against the TypeScript handshake', () => {
  it("answers every real client's head, as the reference does", () => {
    for (const [client, head] of Object.entries(CLIENT_HEADS)) {
      expect(agrees(bytes(head)), client).toBe(true);
      // With frames after the head in the same read: the head's length is where they begin.
      const withFrame = Buffer.concat([bytes(head), Buffer.from([0x81, 0x80, 1, 2, 3, 4])]);
      expect(native(withFrame, true)?.headLength, client).toBe(head.length);
      expect(agrees(withFrame)).toBe(true);
    }
  });

  it('gives the RFC 6455 §1.3 accept value', () => {
    const answer = native(bytes(CLIENT_HEADS['RFC 6455 §1.2 (its subprotocol offer left out)']!), true);
    expect(answer?.response.toString('latin1')).toBe(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
    );
  });

  it('computes Sec-WebSocket-Accept as the reference does for 2,000 random keys', () => {
    for (let i = 0; i < 2000; i++) {
      const key = randomBytes(16).toString('base64');
      const answer = native(bytes(`GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`), false);
      expect(answer?.response.toString('latin1')).toContain(`Sec-WebSocket-Accept: ${computeAccept(key)}\r\n`);
    }
  });

  it('agrees on every one-byte change, deletion and insertion of the real heads', () => {
    const replacements = [0x00, 0x09, 0x0a, 0x0d, 0x20, 0x22, 0x2c, 0x2f, 0x3a, 0x3b, 0x3d, 0x3f, 0x41, 0x51, 0x61, 0x7f, 0x80, 0xa0, 0xff];
    let answered = 0;
    let cases = 0;
    for (const head of Object.values(CLIENT_HEADS)) {
      const original = bytes(head);
      for (let i = 0; i < original.length; i++) {
        for (const byte of replacements) {
          if (original[i] === byte) continue;
          const changed = Buffer.from(original);
          changed[i] = byte;
          cases++;
          if (agrees(changed)) answered++;
        }
        cases += 2;
        if (agrees(Buffer.concat([original.subarray(0, i), original.subarray(i + 1)]))) answered++;
        if (agrees(Buffer.concat([original.subarray(0, i), Buffer.from([0x20]), original.subarray(i)]))) answered++;
      }
    }
    // Many changes leave a plain upgrade (in values the handshake does not read): those were compared too.
    expect(cases).toBeGreaterThan(40_000);
    expect(answered).toBeGreaterThan(5_000);
  });

  it('declines every truncation (no empty line yet), and agrees on each', () => {
    for (const head of Object.values(CLIENT_HEADS)) {
      for (let length = 0; length < head.length - 1; length++) {
        expect(native(bytes(head.slice(0, length)), true)).toBeUndefined();
      }
    }
  });

  describe('line by line', () => {
    const base = 'GET /a?b HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
    const lines = base.split('\r\n').slice(1, -2); // the header lines

    const withLines = (headerLines: string[], requestLine = 'GET /a?b HTTP/1.1'): Buffer => bytes(`${requestLine}\r\n${headerLines.join('\r\n')}\r\n\r\n`);

    it('agrees when any line is repeated, dropped, or its name changes case', () => {
      for (let i = 0; i < lines.length; i++) {
        const repeated = [...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)];
        expect(agrees(withLines(repeated)), `repeated ${lines[i]}`).toBe(false); // each of these may appear once
        expect(agrees(withLines(lines.filter((_, j) => j !== i))), `without ${lines[i]}`).toBe(false);
        const [name, value] = lines[i]!.split(': ');
        expect(agrees(withLines(lines.map((line, j) => (j === i ? `${name!.toUpperCase()}: ${value}` : line)))), `upper-case ${name}`).toBe(true);
        expect(agrees(withLines(lines.map((line, j) => (j === i ? `${name!.toLowerCase()}: ${value}` : line)))), `lower-case ${name}`).toBe(true);
      }
    });

    it('agrees on bad and unusual values of each field it reads', () => {
      const variants: Record<string, string[]> = {
        Upgrade: ['WebSocket', 'websocket, h2c', 'h2c, websocket', 'websockets', '', 'web socket', 'websocket\x0b'],
        Connection: ['keep-alive, Upgrade', 'Upgrade, keep-alive', 'keep-alive', 'upgrade,', ',upgrade', 'up grade', 'Upgrade2', ''],
        'Sec-WebSocket-Key': ['dGhlIHNhbXBsZSBub25jZQ=', 'dGhlIHNhbXBsZSBub25jZR==', 'dGhlIHNhbXBsZSBub25jZQ==x', 'dGhl-HNhbXBsZSBub25jZQ==', 'dGhlIHNhbXBsZSBub25jZQ', ''],
        'Sec-WebSocket-Version': ['13', '8', '13, 8', '130', ' 13 ', ''],
        Host: ['', 'a b', 'example.com:80'],
      };
      for (const [name, values] of Object.entries(variants)) {
        for (const value of values) {
          const head = withLines(lines.map((line) => (line.startsWith(`${name}:`) ? `${name}: ${value}` : line)));
          agrees(head);
        }
      }
    });

    it('declines what a server decides on or refuses, and agrees', () => {
      const extra = [
        'Sec-WebSocket-Protocol: chat',
        'Sec-WebSocket-Protocol: chat, chat',
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits="15"',
        'Sec-WebSocket-Extensions: ;',
        'Sec-WebSocket-Extensions: ',
        'Sec-WebSocket-Extensions: a=b',
        'Content-Length: 0',
        'Content-Length: 5',
        'Transfer-Encoding: chunked',
        'Origin: http://a',
      ];
      for (const line of extra) agrees(withLines([...lines, line]));
      expect(native(withLines([...lines, 'Sec-WebSocket-Protocol: chat']), true)).toBeUndefined();
      expect(native(withLines([...lines, 'Sec-WebSocket-Extensions: permessage-deflate']), false)).toBeUndefined();
      expect(native(withLines([...lines, 'Sec-WebSocket-Extensions: permessage-deflate']), true)).toBeDefined();
      expect(native(withLines([...lines, 'Origin: http://a', 'Origin: http://b']), true)).toBeUndefined();
      expect(native(withLines([...lines, 'Content-Length: 0']), true)).toBeUndefined();
    });

    it('agrees on request lines and head forms it declines', () => {
      for (const requestLine of ['POST /a HTTP/1.1', 'GET /a HTTP/1.0', 'GET /a HTTP/2.0', 'GET  /a HTTP/1.1', 'GET /a  HTTP/1.1', 'GET /a HTTP/1.1 ', 'get /a HTTP/1.1', 'GET / a HTTP/1.1', 'GET http://h/a HTTP/1.1', 'GET * HTTP/1.1']) {
        agrees(withLines(lines, requestLine));
      }
      agrees(bytes(`\r\n${base}`)); // an empty line before the request line (RFC 7230 §3.5)
      agrees(bytes(base.replace(/\r\n/g, '\n')));
      agrees(bytes(base.replace('Host: h\r\n', 'Host: h\r\n folded\r\n')));
      agrees(bytes(base.replace('Host: h', 'Host : h')));
      agrees(bytes(base.replace('Host: h', 'Ho st: h')));
      agrees(bytes(base.replace('Host: h', 'X: a\rb')));
      expect(agrees(bytes(base))).toBe(true);
    });
  });

  it('agrees on 20,000 heads made of random pieces', () => {
    const pieces = [
      'GET / HTTP/1.1\r\n', 'Host: h\r\n', 'Upgrade: websocket\r\n', 'Connection: Upgrade\r\n', 'Connection: keep-alive, upgrade\r\n',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n', 'Sec-WebSocket-Version: 13\r\n', 'Origin: http://o\r\n',
      'Sec-WebSocket-Extensions: x; y=z\r\n', 'Sec-WebSocket-Protocol: p\r\n', 'X: \t\r\n', '\r\n', ' ', ':', '\t', ',', ';', '=', '"',
    ];
    const random = (n: number): number => Math.floor(Math.random() * n);
    let answered = 0;
    for (let i = 0; i < 20_000; i++) {
      const required = [pieces[0]!, ...[1, 2, 3, 5, 6].filter(() => random(8) !== 0).map((j) => pieces[j]!)];
      const parts = [...required, ...Array.from({ length: random(4) }, () => pieces[1 + random(pieces.length - 1)]!)];
      for (let j = parts.length - 1; j > 1; j--) {
        const k = 1 + random(j);
        [parts[j], parts[k]] = [parts[k]!, parts[j]!];
      }
      if (agrees(bytes(`${parts.join('')}\r\n`))) answered++;
    }
    expect(answered).toBeGreaterThan(1_000);
  });

  it('throws a TypeError for arguments of the wrong type and a RangeError for a short response buffer', () => {
    expect(() => addon!.plainUpgrade('GET' as unknown as Uint8Array, true, Buffer.alloc(129))).toThrow(TypeError);
    expect(() => addon!.plainUpgrade(Buffer.alloc(1), 1 as unknown as boolean, Buffer.alloc(129))).toThrow(TypeError);
    expect(() => addon!.plainUpgrade(Buffer.alloc(1), true, Buffer.alloc(128))).toThrow(RangeError);
  });
});
