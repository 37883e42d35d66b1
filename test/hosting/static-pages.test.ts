/**
 * The routing of the `pages` option and of the chat's page server (src/hosting/static-pages.ts),
 * without a socket: which status, headers and body a plain request gets.
 */
import { describe, expect, it } from 'vitest';
import { StaticPages } from '../../src/hosting/static-pages.js';

const page = { headers: { 'Content-Type': 'text/html; charset=utf-8' }, body: '<p>é</p>' };
const request = (method: string, url: string, httpVersion = '1.1') => ({ method, url, httpVersion });

describe('StaticPages', () => {
  const pages = new StaticPages({ '/': page, '/ws': page }, '/chat');

  it('a page to GET and HEAD (query ignored), its body as UTF-8', () => {
    for (const answer of [pages.answer(request('GET', '/?a=b')), pages.answer(request('HEAD', '/'))]) {
      expect(answer).toEqual({ status: 200, headers: page.headers, body: Buffer.from('<p>é</p>', 'utf8') });
    }
  });

  it.each([
    ['POST', '/', '1.1', 405, { Allow: 'GET, HEAD' }],
    ['GET', '/chat', '1.1', 426, { Upgrade: 'websocket', 'Sec-WebSocket-Version': '13' }],
    ['GET', '/chat?name=Ann', '2.0', 426, { 'Sec-WebSocket-Version': '13' }], // HTTP/2 has no Upgrade header (RFC 9113 §8.2.2)
    ['GET', '/index.html', '1.1', 404, {}],
    ['GET', '/chat/', '1.1', 404, {}],
  ])('%s %s over HTTP/%s → %i', (method, url, version, status, headers) => {
    const answer = pages.answer(request(method, url, version));
    expect(answer.status).toBe(status);
    expect(answer.headers).toEqual({ ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    expect(answer.body.toString()).toMatch(/^[^\n<]+\n$/);
  });

  it('a page at a path is served there even where plain requests would be the endpoint\'s', () => {
    expect(new StaticPages({ '/': page }, undefined).answer(request('GET', '/')).status).toBe(200);
    expect(new StaticPages({ '/': page }, undefined).answer(request('GET', '/other')).status).toBe(426); // no `path`: every path is the endpoint
    expect(pages.answer(request('GET', '/ws')).status).toBe(200);
  });

  it('a request with a body: 413', () => {
    expect(pages.bodyRefused().status).toBe(413);
  });

  it('a page whose headers cannot be sent throws WS_ERR_INVALID_HEADER when the pages are made', () => {
    expect(() => new StaticPages({ '/': { headers: { 'X-A': 'a\nb' }, body: '' } }, undefined)).toThrow(expect.objectContaining({ code: 'WS_ERR_INVALID_HEADER' }));
  });
});
