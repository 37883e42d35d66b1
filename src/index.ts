/** The public API of wsframe. */
export { WebSocketServer } from './server.js';
export type { WebSocketServerOptions, VerifyResult, ServerStats, UpgradeRequestInfo } from './server.js';
export { WebSocket } from './websocket.js';
export type { Message, ReceiveResult, CloseStatus, SendOptions, HandshakeInfo } from './websocket.js';
export { WebSocketError } from './protocol/errors.js';
export { kernels } from './native.js';
export type { Kernels } from './kernels.js';
