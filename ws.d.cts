import { WebSocket } from './dist/ws/index.js';
export = WebSocket;
