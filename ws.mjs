// The ES module entry of `wsframe/ws`. It re-exports the CommonJS build (one instance of the
// library for `import` and `require`, as wrapper.mjs does for the main entry).
import WebSocket from './ws.cjs';

export const { WebSocketServer, Server, createWebSocketStream } = WebSocket;
export { WebSocket };
export default WebSocket;
