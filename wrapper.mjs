// The ES module entry point. It re-exports the CommonJS build so that `import` and `require`
// share one instance of the library (no dual-package hazard: one server registry, one
// native addon load).
export * from './dist/index.js';
