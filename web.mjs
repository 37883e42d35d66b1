// The ES module entry point of `wsframe/web`. It re-exports the CommonJS build, as wrapper.mjs
// does for the main entry, so that `import` and `require` share one instance of the library.
export * from './dist/web/index.js';
