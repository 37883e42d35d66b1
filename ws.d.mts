export * from './dist/ws/index.js';
export { default } from './dist/ws/index.js';
