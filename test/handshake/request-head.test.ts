/**
 * The request-head parser (src/handshake/request-head.ts): every split of the bytes gives the
 * same head and the same leftover bytes; each malformed form (RFC 7230 §3) gets its status; the
 * size limit holds at the exact boundary; and valid heads come out as node:http reports them.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  RequestHeadParser,
  headersFromRaw,
  type RequestHeadResult,
} from '../../src/handshake/request-head.js';

const UPGRADE =
  'GET /chat?room=1 HTTP/1.1\r\n' +
  'Host: server.example.com\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
  'Origin: http://example.com\r\n' +
  'Sec-WebSocket-Protocol: chat, superchat\r\n' +
  'Sec-WebSocket-Version: 13\r\n' +
  '\r\n';
const FRAME = Buffer.from([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]); // RFC 6455 §5.7 "Hello", masked

/** Feeds `chunks` one by one; returns the final result and the bytes after the head. */
function parse(chunks: Uint8Array[], maxHeaderSize = 16 * 1024): { result: RequestHeadResult; rest: Buffer; pushes: number } {
  const parser = new RequestHeadParser({ maxHeaderSize });
  let pushes = 0;
  for (let i = 0; i < chunks.length; i++) {
    const result = parser.push(chunks[i]!);
    pushes++;
    if (result.state === 'incomplete') continue;
    const rest = result.state === 'complete'
      ? Buffer.concat([chunks[i]!.subarray(result.bodyStart), ...chunks.slice(i + 1)])
      : Buffer.alloc(0);
    return { result, rest, pushes };
  }
  return { result: { state: 'incomplete' }, rest: Buffer.alloc(0), pushes };
}

function parseText(text: string, maxHeaderSize?: number): RequestHeadResult {
  return parse([Buffer.from(text, 'latin1')], maxHeaderSize).result;
}

function statusOf(result: RequestHeadResult): number | undefined {
  return result.state === 'refused' ? result.refusal.status : undefined;
}

const expectedUpgrade = {
  method: 'GET',
  url: '/chat?room=1',
  httpVersion: '1.1',
  rawHeaders: [
    'Host', 'server.example.com',
    'Upgrade', 'websocket',
    'Connection', 'Upgrade',
    'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==',
    'Origin', 'http://example.com',
    'Sec-WebSocket-Protocol', 'chat, superchat',
    'Sec-WebSocket-Version', '13',
  ],
};

describe('a valid head', () => {
  it('comes out whole, with the offset of the bytes after it', () => {
    const bytes = Buffer.concat([Buffer.from(UPGRADE), FRAME]);
    const { result, rest } = parse([bytes]);
    expect(result).toEqual({ state: 'complete', head: expectedUpgrade, bodyStart: UPGRADE.length });
    expect(rest).toEqual(FRAME);
  });

  it('every split in two gives the same head and the same leftover bytes', () => {
    const bytes = Buffer.concat([Buffer.from(UPGRADE), FRAME]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { result, rest } = parse([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(result.state, `cut at ${cut}`).toBe('complete');
      if (result.state === 'complete') expect(result.head).toEqual(expectedUpgrade);
      expect(rest, `cut at ${cut}`).toEqual(FRAME);
    }
  });

  it('every split in three gives the same head and the same leftover bytes', () => {
    const bytes = Buffer.concat([Buffer.from(UPGRADE), FRAME]);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const { result, rest } = parse([bytes.subarray(0, a), bytes.subarray(a, b), bytes.subarray(b)]);
        if (result.state !== 'complete' || !rest.equals(FRAME)) {
          expect.fail(`split at ${a}, ${b}: ${JSON.stringify(result)}`);
        }
      }
    }
  });

  it('one byte at a time: complete exactly at the last byte of the empty line', () => {
    const bytes = Buffer.concat([Buffer.from(UPGRADE), FRAME]);
    const chunks = [...bytes].map((byte) => Uint8Array.of(byte));
    const { result, rest, pushes } = parse(chunks);
    expect(pushes).toBe(UPGRADE.length);
    expect(result).toEqual({ state: 'complete', head: expectedUpgrade, bodyStart: 1 });
    expect(rest).toEqual(FRAME);
  });

  it('takes a Uint8Array that is a view into a larger buffer', () => {
    const backing = new Uint8Array(UPGRADE.length + 10);
    backing.set(Buffer.from(UPGRADE), 5);
    const { result } = parse([backing.subarray(5, 5 + UPGRADE.length)]);
    expect(result.state === 'complete' && result.head).toEqual(expectedUpgrade);
  });

  it('skips empty lines before the request line (RFC 7230 §3.5)', () => {
    const result = parseText('\r\n\r\n' + UPGRADE);
    expect(result).toEqual({ state: 'complete', head: expectedUpgrade, bodyStart: UPGRADE.length + 4 });
  });

  it.each([
    ['no OWS', 'X-A:value', 'value'],
    ['OWS of spaces and tabs on both sides', 'X-A: \t value \t ', 'value'],
    ['an empty value', 'X-A:', ''],
    ['an empty value with OWS', 'X-A:   ', ''],
    ['inner spaces kept', 'X-A: a  b\tc', 'a  b\tc'],
    ['obs-text as latin1', 'X-A: caf\xe9', 'caf\xe9'],
    ['a colon in the value', 'X-A: http://a.example:80', 'http://a.example:80'],
  ])('header value: %s', (_name, line, value) => {
    const result = parseText(`GET / HTTP/1.1\r\n${line}\r\n\r\n`);
    expect(result.state === 'complete' && result.head.rawHeaders).toEqual(['X-A', value]);
  });

  it.each([
    ['any token as method', 'M-SEARCH * HTTP/1.1', 'M-SEARCH', '*', '1.1'],
    ['absolute-form target', 'GET http://a.example/x HTTP/1.1', 'GET', 'http://a.example/x', '1.1'],
    ['HTTP/1.0 (refused later, by validateUpgradeRequest)', 'GET / HTTP/1.0', 'GET', '/', '1.0'],
    ['HTTP/1.9', 'GET / HTTP/1.9', 'GET', '/', '1.9'],
  ])('request line: %s', (_name, line, method, url, httpVersion) => {
    const result = parseText(`${line}\r\nHost: a\r\n\r\n`);
    expect(result.state === 'complete' && result.head).toEqual({ method, url, httpVersion, rawHeaders: ['Host', 'a'] });
  });

  it.each([['Content-Length: 0'], ['Content-Length: 000'], ['Content-Length: 0\r\nContent-Length: 0']])('%j is no body', (lines) => {
    expect(parseText(`GET / HTTP/1.1\r\n${lines}\r\n\r\n`).state).toBe('complete');
  });

  it('a head with no header lines', () => {
    expect(parseText('GET / HTTP/1.1\r\n\r\n')).toEqual({
      state: 'complete',
      head: { method: 'GET', url: '/', httpVersion: '1.1', rawHeaders: [] },
      bodyStart: 18,
    });
  });

  it('pushing after the end is a programming error', () => {
    const parser = new RequestHeadParser({ maxHeaderSize: 1024 });
    expect(parser.push(Buffer.from(UPGRADE)).state).toBe('complete');
    expect(() => parser.push(FRAME)).toThrow(/already complete/);
  });
});

describe('malformed heads', () => {
  const head = (requestLine: string, ...lines: string[]): string => [requestLine, ...lines, '', ''].join('\r\n');
  const cases: Array<[string, string, number]> = [
    // Request line (RFC 7230 §3.1.1).
    ['not HTTP at all', 'HELLO THERE\r\n\r\n', 400],
    ['no HTTP-version', head('GET /'), 400],
    ['lower-case http (§2.6: HTTP-name is case-sensitive)', head('GET / http/1.1'), 400],
    ['two spaces', head('GET  / HTTP/1.1'), 400],
    ['a tab instead of SP', head('GET\t/ HTTP/1.1'), 400],
    ['a space before the method', head(' GET / HTTP/1.1'), 400],
    ['trailing whitespace', head('GET / HTTP/1.1 '), 400],
    ['a space in the target', head('GET /a b HTTP/1.1'), 400],
    ['a non-ASCII byte in the target', head('GET /caf\xe9 HTTP/1.1'), 400],
    ['a method that is not a token', head('G(T / HTTP/1.1'), 400],
    ['version with two digits', head('GET / HTTP/1.10'), 400],
    ['HTTP/2.0 (§2.6: major version not supported)', head('GET / HTTP/2.0'), 505],
    ['HTTP/0.9', head('GET / HTTP/0.9'), 505],
    // Line endings (§3, §3.5).
    ['bare LF after the request line', 'GET / HTTP/1.1\nHost: a\r\n\r\n', 400],
    ['bare LF after a header', 'GET / HTTP/1.1\r\nHost: a\n\r\n', 400],
    ['bare LF as the empty line', 'GET / HTTP/1.1\r\nHost: a\r\n\n', 400],
    ['bare LF before the request line', '\nGET / HTTP/1.1\r\n\r\n', 400],
    ['bare CR inside a value', head('GET / HTTP/1.1', 'X-A: a\rb'), 400],
    ['bare CR inside the request line', head('GET /\r HTTP/1.1'), 400],
    // Header fields (§3.2).
    ['whitespace before the colon (§3.2.4)', head('GET / HTTP/1.1', 'Host : a'), 400],
    ['a tab before the colon', head('GET / HTTP/1.1', 'Host\t: a'), 400],
    ['obs-fold with a space (§3.2.4)', head('GET / HTTP/1.1', 'X-A: a', ' b'), 400],
    ['obs-fold with a tab', head('GET / HTTP/1.1', 'X-A: a', '\tb'), 400],
    ['a line without a colon', head('GET / HTTP/1.1', 'Host a'), 400],
    ['an empty name', head('GET / HTTP/1.1', ': a'), 400],
    ['a name that is not a token', head('GET / HTTP/1.1', 'X(A): a'), 400],
    ['a non-ASCII name', head('GET / HTTP/1.1', 'X-\xe9: a'), 400],
    ['NUL in a value', head('GET / HTTP/1.1', 'X-A: a\x00b'), 400],
    ['another control in a value', head('GET / HTTP/1.1', 'X-A: a\x01b'), 400],
    ['DEL in a value', head('GET / HTTP/1.1', 'X-A: a\x7fb'), 400],
    // A body (§3.3).
    ['Transfer-Encoding: chunked (§3.3.1)', head('GET / HTTP/1.1', 'Transfer-Encoding: chunked'), 501],
    ['Transfer-Encoding with Content-Length: 0', head('GET / HTTP/1.1', 'Content-Length: 0', 'transfer-encoding: gzip'), 501],
    ['Content-Length: 5', head('GET / HTTP/1.1', 'Content-Length: 5'), 400],
    ['Content-Length not a number (§3.3.2)', head('GET / HTTP/1.1', 'Content-Length: abc'), 400],
    ['Content-Length negative', head('GET / HTTP/1.1', 'Content-Length: -1'), 400],
    ['Content-Length as a list', head('GET / HTTP/1.1', 'Content-Length: 0, 0'), 400],
    ['two Content-Length lines that disagree (§3.3.3)', head('GET / HTTP/1.1', 'Content-Length: 0', 'Content-Length: 00'), 400],
  ];

  it.each(cases)('%s → %i', (_name, text, status) => {
    const result = parseText(text);
    expect(statusOf(result)).toBe(status);
    expect(result.state === 'refused' && result.refusal.reason.length).toBeGreaterThan(0);
  });

  it.each(cases)('%s → %i, one byte at a time', (_name, text, status) => {
    const chunks = [...Buffer.from(text, 'latin1')].map((byte) => Uint8Array.of(byte));
    expect(statusOf(parse(chunks).result)).toBe(status);
  });

  it('a refusal of a body alone carries the complete head (a page server answers it its own way); a malformed head none', () => {
    const chunked = parseText(head('POST /form HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked'));
    expect(chunked.state === 'refused' && chunked.refusal.head).toEqual({
      method: 'POST',
      url: '/form',
      httpVersion: '1.1',
      rawHeaders: ['Host', 'a', 'Transfer-Encoding', 'chunked'],
    });
    const sized = parseText(head('GET / HTTP/1.1', 'Content-Length: 5'));
    expect(sized.state === 'refused' && sized.refusal.head?.rawHeaders).toEqual(['Content-Length', '5']);
    for (const text of [head('GET / HTTP/1.1', 'Content-Length: abc'), head('GET / HTTP/1.1', 'Host a')]) {
      const result = parseText(text);
      expect(result.state === 'refused' && 'head' in result.refusal).toBe(false);
    }
  });

  it('is refused at the line that breaks it, without waiting for the end of the head', () => {
    const parser = new RequestHeadParser({ maxHeaderSize: 1024 });
    expect(parser.push(Buffer.from('GET / HTTP/1.1\r\nHost : a\r\n')).state).toBe('refused');
  });
});

describe('maxHeaderSize', () => {
  /** A head of exactly `size` bytes (padding in one header). */
  function headOf(size: number): string {
    const base = 'GET / HTTP/1.1\r\nX-Pad: \r\n\r\n';
    return base.replace('X-Pad: ', 'X-Pad: ' + 'x'.repeat(size - base.length));
  }

  it.each([64, 100, 1024])('a head of exactly %i bytes passes a limit of as many; one byte more gets 431', (size) => {
    expect(headOf(size).length).toBe(size);
    expect(parseText(headOf(size), size).state).toBe('complete');
    expect(statusOf(parseText(headOf(size + 1), size))).toBe(431);
    expect(statusOf(parseText(headOf(size), size - 1))).toBe(431);
  });

  it('holds at the boundary whatever the split', () => {
    const size = 80;
    for (const [text, expected] of [[headOf(size), 'complete'], [headOf(size + 1), 'refused']] as const) {
      const bytes = Buffer.from(text);
      for (let cut = 0; cut <= bytes.length; cut++) {
        expect(parse([bytes.subarray(0, cut), bytes.subarray(cut)], size).result.state, `cut at ${cut}`).toBe(expected);
      }
      const oneByOne = [...bytes].map((byte) => Uint8Array.of(byte));
      expect(parse(oneByOne, size).result.state).toBe(expected);
    }
  });

  it('counts empty lines before the request line', () => {
    const text = '\r\n' + headOf(64);
    expect(parseText(text, 66).state).toBe('complete');
    expect(statusOf(parseText(text, 65))).toBe(431);
  });

  it('refuses as soon as the limit is reached without an end, never keeping more', () => {
    const parser = new RequestHeadParser({ maxHeaderSize: 100 });
    const start = Buffer.from('GET / HTTP/1.1\r\nX-Pad: ');
    expect(parser.push(start).state).toBe('incomplete');
    expect(parser.push(Buffer.alloc(100 - start.length - 1, 'x')).state).toBe('incomplete'); // 99 bytes
    // 100 bytes and no end: the head can only end past the limit.
    expect(parser.push(Buffer.from('x')).state).toBe('refused');
  });

  it('refuses a single chunk of a megabyte at the limit, not after buffering it', () => {
    const parser = new RequestHeadParser({ maxHeaderSize: 16 * 1024 });
    expect(parser.push(Buffer.from('GET / HTTP/1.1\r\n')).state).toBe('incomplete');
    const result = parser.push(Buffer.alloc(1 << 20, 'a'));
    expect(statusOf(result)).toBe(431);
  });

  it('a long request line counts too', () => {
    const line = `GET /${'a'.repeat(200)} HTTP/1.1\r\n\r\n`;
    expect(statusOf(parseText(line, 100))).toBe(431);
  });
});

describe('headersFromRaw', () => {
  it('lower-cases names and joins repeats as node:http does', () => {
    expect(
      headersFromRaw([
        'Host', 'a.example', 'HOST', 'b.example', // kept once: the first
        'Accept', 'text/plain', 'accept', 'text/html', // joined with ', '
        'Cookie', 'a=1', 'cookie', 'b=2', // joined with '; '
        'Set-Cookie', 'x=1', 'set-cookie', 'y=2', // an array
        'User-Agent', 'one', 'User-Agent', 'two',
        'X-Empty', '',
      ]),
    ).toEqual({
      host: 'a.example',
      accept: 'text/plain, text/html',
      cookie: 'a=1; b=2',
      'set-cookie': ['x=1', 'y=2'],
      'user-agent': 'one',
      'x-empty': '',
    });
  });
});

describe('the same as node:http', () => {
  const heads = [
    UPGRADE,
    'GET /?q=%20x HTTP/1.1\r\nhost: a\r\nX-Tabs:\t a \t\r\nCookie: a=1\r\nCookie: b=2\r\nAccept: x\r\nACCEPT: y\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Empty:\r\nUser-Agent: caf\xe9\r\nSet-Cookie: s=1\r\nset-cookie: s=2\r\n\r\n',
    'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\n\r\n',
  ];

  it.each(heads.map((text) => [text.split('\r\n')[0], text]))('%s', async (_line, text) => {
    const server = http.createServer();
    const seen = new Promise<http.IncomingMessage>((resolve) => {
      server.once('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
        resolve(request);
        response.end();
      });
      server.once('upgrade', (request: http.IncomingMessage, socket: net.Socket) => {
        resolve(request);
        socket.destroy();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.on('error', () => {});
    socket.end(Buffer.from(text, 'latin1'));
    const request = await seen;
    socket.destroy();
    server.close();

    const result = parseText(text);
    expect(result.state).toBe('complete');
    if (result.state !== 'complete') return;
    const { method, url, httpVersion, rawHeaders } = request;
    expect(result.head).toEqual({ method, url, httpVersion, rawHeaders });
    expect(headersFromRaw(result.head.rawHeaders)).toEqual({ ...request.headers });
  });
});
