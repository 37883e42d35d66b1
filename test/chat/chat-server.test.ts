/**
 * The chat server (src/chat/): one port serving the page at / and the WebSocket endpoint at
 * /chat?name=…, with the IIS chat sample's messages in order, checked with ws clients and fetch.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import WS from 'ws';
import { startChatServer } from '../../src/chat/chat-server.js';
import type { ChatServer } from '../../src/chat/chat-server.js';
import { nativeTransport, transports } from '../../src/transport/native-transport.js';
import { accessLogRecorder } from '../helpers/access-log.js';
import { defaultTransport } from '../helpers/servers.js';
import { selfSignedCertificate } from '../helpers/tls-certificate.js';

const servers: ChatServer[] = [];
const clients: WS[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function chat(transport?: 'native' | 'node'): Promise<ChatServer> {
  const server = await startChatServer({ host: '127.0.0.1', port: 0, transport });
  servers.push(server);
  return server;
}

/** A member: a ws client on /chat?name=… that records every text it gets. */
async function join(server: ChatServer, name: string): Promise<{ client: WS; got: string[] }> {
  const client = new WS(`ws://127.0.0.1:${server.port}/chat?name=${encodeURIComponent(name)}`);
  clients.push(client);
  const got: string[] = [];
  client.on('message', (data, isBinary) => got.push(isBinary ? '<binary>' : String(data)));
  await once(client, 'open');
  return { client, got };
}

/** The close code of a connection the server ends. */
async function closeCode(client: WS): Promise<number> {
  const [code] = (await once(client, 'close')) as [number];
  return code;
}

describe('the chat over WebSocket', () => {
  it(`plain HTTP runs on the default transport of the standalone server (here ${defaultTransport})`, async () => {
    expect((await chat()).transport).toBe(defaultTransport);
  });

  it.each(transports)('transport: %s holds page and members that way; closed, it leaves no connection behind', async (transport) => {
    const server = await chat(transport);
    expect(server.transport).toBe(transport);
    expect((await fetch(server.url)).status).toBe(200);
    const ann = await join(server, 'Ann');
    await expect.poll(() => ann.got).toEqual(['Ann joined.', 'Welcome Ann.']);
    if (transport === 'native') expect(nativeTransport!.stats().connections).toBeGreaterThan(0);
    const closed = closeCode(ann.client);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    expect(await closed).toBe(1001);
    await expect.poll(() => nativeTransport?.stats().connections ?? 0).toBe(0);
  });

  it('three members: joined/Welcome, says, left — each member sees exactly its part, in order', async () => {
    const server = await chat();
    const john = await join(server, 'John');
    await expect.poll(() => john.got).toEqual(['John joined.', 'Welcome John.']);
    const mary = await join(server, 'Mary');
    await expect.poll(() => mary.got).toEqual(['Mary joined.', 'Welcome Mary.']);
    const ann = await join(server, 'Ann');
    await expect.poll(() => ann.got).toEqual(['Ann joined.', 'Welcome Ann.']);

    john.client.send('hello all');
    await expect.poll(() => ann.got.length).toBe(3); // two senders: one at a time, so the order is known
    mary.client.send('hi John');
    await expect.poll(() => ann.got.length).toBe(4);
    mary.client.close(1000);
    await expect.poll(() => ann.got.length).toBe(5);

    expect(john.got).toEqual(['John joined.', 'Welcome John.', 'Mary joined.', 'Ann joined.', 'John says: hello all', 'Mary says: hi John', 'Mary left.']);
    expect(mary.got).toEqual(['Mary joined.', 'Welcome Mary.', 'Ann joined.', 'John says: hello all', 'Mary says: hi John']);
    expect(ann.got).toEqual(['Ann joined.', 'Welcome Ann.', 'John says: hello all', 'Mary says: hi John', 'Mary left.']);
  });

  it('names and messages are passed on as the plain text they are (nothing escaped, nothing interpreted)', async () => {
    const server = await chat();
    const name = '<script>alert(1)</script> & "Zoë"';
    const odd = await join(server, name);
    await expect.poll(() => odd.got).toEqual([`${name} joined.`, `Welcome ${name}.`]);
    odd.client.send('<img src=x onerror=alert(2)> &amp; 😀');
    await expect.poll(() => odd.got.at(-1)).toBe(`${name} says: <img src=x onerror=alert(2)> &amp; 😀`);
  });

  it.each([['/chat'], ['/chat?name='], ['/chat?name=%20%20'], ['/chat?nom=John']])('%s (no name) is closed with 1008 and no one hears of it', async (path) => {
    const server = await chat();
    const john = await join(server, 'John');
    const nameless = new WS(`ws://127.0.0.1:${server.port}${path}`);
    clients.push(nameless);
    expect(await closeCode(nameless)).toBe(1008);
    const mary = await join(server, 'Mary');
    await expect.poll(() => john.got).toEqual(['John joined.', 'Welcome John.', 'Mary joined.']);
    expect(mary.got).toEqual(['Mary joined.', 'Welcome Mary.']);
  });

  it('a binary message is not chat: its sender is closed with 1003, the others hear it left', async () => {
    const server = await chat();
    const john = await join(server, 'John');
    const mary = await join(server, 'Mary');
    john.client.send(Buffer.from([1, 2, 3]));
    expect(await closeCode(john.client)).toBe(1003);
    await expect.poll(() => mary.got).toEqual(['Mary joined.', 'Welcome Mary.', 'John left.']);
  });

  it('an upgrade for another path is refused with 404', async () => {
    const server = await chat();
    const client = new WS(`ws://127.0.0.1:${server.port}/elsewhere?name=John`);
    clients.push(client);
    const [error] = (await once(client, 'error')) as [Error];
    expect(error.message).toMatch(/Unexpected server response: 404/);
  });

  it('close() ends every member with 1001 and frees the port for a new server', async () => {
    const server = await chat();
    const john = await join(server, 'John');
    const code = closeCode(john.client);
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    expect(await code).toBe(1001);
    const again = await startChatServer({ host: '127.0.0.1', port: server.port });
    servers.push(again);
    expect(again.url).toBe(`http://127.0.0.1:${server.port}/`);
    const mary = await join(again, 'Mary');
    await expect.poll(() => mary.got).toEqual(['Mary joined.', 'Welcome Mary.']);
  });

  it('with tls: the page over https and the endpoint as wss:// on one port, on net.Socket (node:https serves the page)', async () => {
    const certificate = selfSignedCertificate();
    const server = await startChatServer({ host: '127.0.0.1', port: 0, tls: certificate });
    servers.push(server);
    expect([server.url, server.transport]).toEqual([`https://127.0.0.1:${server.port}/`, 'node']);
    const page = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      https.get(server.url, { ca: certificate.cert }, (response) => {
        response.resume();
        resolve({ status: response.statusCode!, type: String(response.headers['content-type']) });
      }).on('error', reject);
    });
    expect(page).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    const client = new WS(`wss://127.0.0.1:${server.port}/chat?name=Ann`, { ca: certificate.cert });
    clients.push(client);
    const [welcome] = (await once(client, 'message')) as [Buffer];
    expect(String(welcome)).toBe('Ann joined.');
  });

  it('the access log has a line per WebSocket attempt, none for the page', async () => {
    const log = accessLogRecorder();
    const server = await startChatServer({ host: '127.0.0.1', port: 0, accessLog: log.stream });
    servers.push(server);
    expect((await fetch(server.url)).status).toBe(200);
    await join(server, 'Ann');
    await expect.poll(log.requests).toEqual([['GET', '/chat', 'HTTP/1.1', '101']]);
  });

  it('a port in use: startChatServer rejects with EADDRINUSE', async () => {
    const server = await chat();
    await expect(startChatServer({ host: '127.0.0.1', port: server.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('the page and other HTTP requests', () => {
  it('GET / and GET /?name=… serve the page as text/html, with a CSP that admits exactly its own script', async () => {
    const server = await chat();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    for (const url of [server.url, `${server.url}?name=John`]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await response.text();
      for (const id of ['log', 'state', 'message', 'send-button', 'name']) expect(html).toContain(`id="${id}"`);
      expect(html).not.toContain('innerHTML');
      const script = html.match(/<script>([\s\S]*)<\/script>/)![1]!;
      const hash = createHash('sha256').update(script).digest('base64');
      expect(response.headers.get('content-security-policy')).toContain(`script-src 'sha256-${hash}';`);
    }
  });

  it.each([
    ['GET', '/favicon.ico', 404],
    ['GET', '/chat.html', 404],
    ['GET', '/chat', 426],
    ['POST', '/', 405],
  ])('%s %s → %i, plain text', async (method, path, status) => {
    const server = await chat();
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`, { method });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).not.toContain('<');
  });

  it('GET /chat without an upgrade: 426 naming the protocol to upgrade to', async () => {
    const server = await chat();
    const response = await fetch(`http://127.0.0.1:${server.port}/chat?name=Ann`);
    expect(response.status).toBe(426);
    expect(response.headers.get('upgrade')).toBe('websocket');
    expect(response.headers.get('sec-websocket-version')).toBe('13');
  });

  it('HEAD / → 200 text/html with no body', async () => {
    const server = await chat();
    const response = await fetch(server.url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe('');
  });
});
