/**
 * Preloaded (`node -r ./bench/diagnostics-subscriber.cjs bin/wsframe.js echo …`) by
 * bench/diagnostics-echo.mjs: a no-op subscriber on every wsframe diagnostics channel, so the
 * server publishes whatever it would publish to an operator's listener.
 */
'use strict';
const { channels } = require('../dist/diagnostics.js');

const ignore = () => {};
for (const channel of Object.values(channels)) channel.subscribe(ignore);
