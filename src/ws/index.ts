/**
 * `wsframe/ws`: `ws` 8's public API over wsframe's engine. `import WebSocket, { WebSocketServer,
 * createWebSocketStream } from 'wsframe/ws'`, or `const WebSocket = require('wsframe/ws')`.
 */
import { WebSocket } from './websocket.js';
import { WebSocketServer } from './server.js';
import { createWebSocketStream } from '../api/websocket-stream.js';

// ws's module is its WebSocket class with everything else on it (`require('ws').Server` …).
Object.assign(WebSocket, { WebSocket, WebSocketServer, Server: WebSocketServer, createWebSocketStream });

export { WebSocket, WebSocketServer, WebSocketServer as Server, createWebSocketStream };
export type { BinaryType, ClientOptions, SendOptions } from './websocket.js';
export type { ServerOptions, VerifyClientInfo } from './server.js';
export type { WsPerMessageDeflateOptions as PerMessageDeflateOptions } from './options.js';
export default WebSocket;
