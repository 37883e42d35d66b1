export * from './dist/web/index.js';
