import { WebSocket } from './dist/ws/index.js';
export * from './dist/ws/index.js';
export default WebSocket;
