/**
 * Preloaded (`node --expose-gc -r ./bench/idle-hook.cjs SERVER …`) into each server that
 * bench/idle-memory.mjs measures, so the servers themselves stay untouched. Over the IPC channel:
 *   { cmd: 'measure' }          → full GCs, then { rss, heapUsed, heapTotal, external, arrayBuffers, handles, handleTypes }
 *   { cmd: 'snapshot', path }   → full GCs, v8.writeHeapSnapshot(path), then { path }
 */
'use strict';
const v8 = require('node:v8');

if (typeof process.send === 'function') {
  process.on('message', async (message) => {
    if (message === null || typeof message !== 'object') return;
    if (typeof global.gc !== 'function') {
      process.send({ error: 'start the server with --expose-gc' });
      return;
    }
    // Several full collections with a pause between them, so finalizers and weak callbacks run.
    for (let i = 0; i < 4; i++) {
      global.gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (message.cmd === 'measure') {
      const usage = process.memoryUsage();
      const resources = process.getActiveResourcesInfo();
      const handleTypes = {};
      for (const type of resources) handleTypes[type] = (handleTypes[type] ?? 0) + 1;
      process.send({ ...usage, handles: resources.length, handleTypes });
    } else if (message.cmd === 'snapshot') {
      process.send({ path: v8.writeHeapSnapshot(message.path) });
    }
  });
  // The IPC channel must not keep a server alive that was told to stop.
  process.channel?.unref();
}
