// The CommonJS entry of `wsframe/ws`: as with ws, the module is the WebSocket class, with
// WebSocketServer, Server and createWebSocketStream on it (src/ws/index.ts puts them there).
module.exports = require('./dist/ws/index.js').WebSocket;
