/**
 * `wsframe/web`: the browser's WebSocket APIs over wsframe's client — the WHATWG `WebSocket`
 * and `WebSocketStream` (with its `WebSocketError`), and the events they dispatch.
 */
export { WebSocket } from './websocket.js';
export type { BinaryType, WebSocketInit } from './websocket.js';
export { WebSocketStream } from './websocket-stream.js';
export type { WebSocketOpenInfo, WebSocketStreamOptions } from './websocket-stream.js';
export { WebSocketError } from './websocket-error.js';
export type { WebSocketCloseInfo } from './websocket-error.js';
export { CloseEvent, MessageEvent } from './events.js';
export type { CloseEventInit, MessageEventInit } from './events.js';
