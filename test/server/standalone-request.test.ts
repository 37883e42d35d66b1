import { describe, expect, it } from 'vitest';
import { headersFromRaw } from '../../src/handshake/index.js';
import { StandaloneRequest } from '../../src/hosting/standalone-request.js';

const socket = { remoteAddress: '127.0.0.1', remotePort: 1 };
const requestOf = (rawHeaders: string[]) => new StandaloneRequest({ method: 'GET', url: '/', httpVersion: '1.1', rawHeaders }, socket);

describe('StandaloneRequest', () => {
  it('makes headers from the lines as node:http does, once', () => {
    const rawHeaders = ['Host', 'a', 'HOST', 'b', 'Cookie', 'a=1', 'cookie', 'b=2', 'Set-Cookie', 'x', 'X-Multi', 'a', 'x-multi', 'b'];
    const request = requestOf(rawHeaders);
    expect(request.headers).toEqual(headersFromRaw(rawHeaders));
    expect(request.headers).toEqual({ host: 'a', cookie: 'a=1; b=2', 'set-cookie': ['x'], 'x-multi': 'a, b' });
    expect(request.headers).toBe(request.headers); // made once, then the same object
    expect(request).toMatchObject({ method: 'GET', url: '/', httpVersion: '1.1', rawHeaders, socket });
  });

  // The server tells a plain HTTP request (426) from a failed handshake by these two lines;
  // hasUpgradeOrKey reads the lines, and must agree with the headers object the check read before.
  it.each([
    [['Host', 'a'], false],
    [['Host', 'a', 'Upgrade', 'websocket'], true],
    [['UPGRADE', ''], true],
    [['upgrade', 'h2c'], true],
    [['Sec-WebSocket-Key', 'x'], true],
    [['SEC-WEBSOCKET-KEY', ''], true],
    [['Upgrade-Insecure-Requests', '1', 'X-Upgrade', 'websocket', 'Upgradf', 'x'], false],
    [['Sec-WebSocket-Keys', 'x', 'Sec-WebSocket-Ke', 'x', 'Sec-WebSocket-Kez', 'x'], false],
    [[], false],
  ])('%j has Upgrade or Sec-WebSocket-Key: %s', (rawHeaders, expected) => {
    const request = requestOf(rawHeaders);
    const headers = headersFromRaw(rawHeaders);
    expect(request.hasUpgradeOrKey()).toBe(expected);
    expect(request.hasUpgradeOrKey()).toBe(headers.upgrade !== undefined || headers['sec-websocket-key'] !== undefined);
  });
});
