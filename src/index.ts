/** The public API of wsframe. */
export { WebSocketServer } from './server.js';
export type { WebSocketServerOptions, VerifyResult, ServerStats, UpgradeRequestInfo } from './server.js';
export { connect } from './client.js';
export type { ConnectOptions } from './client.js';
export { WebSocket } from './websocket.js';
export { createWebSocketStream } from './api/websocket-stream.js';
export type { StreamableWebSocket } from './api/websocket-stream.js';
export { WebSocketContext } from './context.js';
export type { Fragment, WriteFragmentOptions } from './context.js';
export type { Message, ReceiveResult, CloseStatus, SendOptions, HandshakeInfo } from './websocket.js';
export { WebSocketError, WEBSOCKET_ERRORS } from './protocol/errors.js';
export type { WebSocketErrorCode } from './protocol/errors.js';
export { kernels } from './native.js';
export { transports } from './transport/native-transport.js';
export type { Kernels } from './kernels.js';
export { WebSocketHandler, WebSocketCollection, serveHandlers } from './handler.js';
export type { WebSocketCollectionOptions, BroadcastOptions } from './handler.js';
export type { Backplane, BackplaneMessage } from './backplane/backplane.js';
export { MemoryBackplane } from './backplane/memory-backplane.js';
export type { PerMessageDeflateOptions } from './extensions/permessage-deflate.js';
export { ChatHandler } from './chat/chat-handler.js';
export { startChatServer } from './chat/chat-server.js';
export type { ChatServer, ChatServerOptions } from './chat/chat-server.js';
export { RedisBackplane } from './backplane/redis-backplane.js';
export type {
  OpenMessage,
  HandshakeFailedMessage,
  ErrorMessage,
  PingMessage,
  PongMessage,
  CloseMessage,
  DroppedMessage,
} from './diagnostics.js';
