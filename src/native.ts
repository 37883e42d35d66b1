/**
 * The kernel loader: loads the C++ addon with node-gyp-build (a prebuild for this platform first,
 * then a local `build/`), or from WSFRAME_ADDON_PATH when set (tests load a sanitizer build that
 * way), and falls back to the pure TypeScript kernels when it is missing or WSFRAME_NO_NATIVE=1
 * is set. Nothing else lives here.
 *
 * `kernels` is what the library uses. Calling into native code costs tens of nanoseconds, more
 * than the TypeScript kernels need for a few dozen bytes, so `kernels` keeps inputs below the
 * thresholds further down in TypeScript and sends larger ones to the addon.
 */

import { isUtf8 } from 'node:buffer';
import * as path from 'node:path';
import type { Kernels } from './kernels.js';
import { typescriptKernels } from './fallback/index.js';

/** The addon's exports (native/README.md), plus its ISA switch for tests and benchmarks. */
export interface NativeAddon extends Omit<Kernels, 'name' | 'isa'> {
  /** The SIMD level in use: 'avx512', 'avx2', 'sse2', 'neon' or 'scalar'. */
  readonly isa: string;
  /** The SIMD levels this CPU supports, best first; 'scalar' is always among them. */
  availableIsas(): string[];
  /** Switches every kernel to `name` (one of availableIsas()). */
  useIsa(name: string): void;
  /**
   * The server's common handshake in one pass (native/plain_upgrade.h): when `head` begins with a
   * whole request head that the TypeScript handshake would accept with the plain 101, that 101
   * goes into `response` (129 bytes) and the head's length is returned; otherwise 0.
   * `ignoreExtensionOffers`: the server negotiates no extension (a well-formed offer is answered
   * without one); otherwise a request that offers any is declined.
   */
  plainUpgrade(head: Uint8Array, ignoreExtensionOffers: boolean, response: Uint8Array): number;
  /** The native transport (native/transport/README.md); absent when it could not be set up. */
  readonly transport?: NativeTransportFunctions;
}

/**
 * The native transport's functions. Handles are integers (never pointers); a stale one makes a
 * call a no-op that returns UV_EBADF. Results below 0 are libuv error numbers.
 */
export interface NativeTransportFunctions {
  /**
   * The one function every event is delivered to: (event, slot index, value, a number: for data
   * the byte count, for accepted the age in ms; for opened also the handle, the head's length and
   * the bytes of the 101 queued).
   */
  init(callback: (event: number, index: number, value: unknown, length: number, handle?: number, headLength?: number, queued?: number) => void): void;
  /** Listens on an IP address; the listener's handle, or an error. */
  listen(ip: string, port: number, backlog: number, ipv6Only: boolean): number;
  closeListener(handle: number): number;
  /** Takes over a duplicate of a connected TCP socket's descriptor: the connection's handle (paused), or an error. */
  adopt(fd: number): number;
  /**
   * The listener's connections read at once, and one whose first read is a whole plain upgrade
   * (plainUpgrade) with its path `path` (null: any) and a head of at most `maxHeaderSize` bytes
   * is answered by the addon and announced with the opened event; any other is announced as
   * accepted, with its first read as data, or as accepted alone after `announceAfterMs` of
   * silence (0: never). `budget`: how many it may open so (maxConnections; -1: no limit).
   * `deferAccept`: the kernel holds a connection until its first bytes arrive, `deferAcceptMs` at
   * most (Linux; elsewhere ignored). 0 or an error.
   */
  answerPlainUpgrades(listener: number, path: string | null, maxHeaderSize: number, ignoreExtensionOffers: boolean, announceAfterMs: number, budget: number, deferAccept: boolean): number;
  /** The longest the kernel holds a deferred connection for its first bytes; one accepted silent is counted this old. */
  readonly deferAcceptMs: number;
  /** How many more connections the listener may open on its own (-1: no limit); 0 or an error. */
  plainUpgradeBudget(listener: number, budget: number): number;
  /** Bytes left queued (0: all handed to the kernel now), or an error. */
  write(handle: number, chunks: Uint8Array | readonly Uint8Array[]): number;
  /** The next `target.length` bytes read go into `target` (the filled event reports them); 0 or an error. */
  readInto(handle: number, target: Uint8Array, reportEveryMs: number): number;
  /** The connection's reads go to one buffer the addon reuses (the lent-data event); 0 or an error. */
  lendReads(handle: number): number;
  end(handle: number): number;
  destroy(handle: number): number;
  pause(handle: number): number;
  resume(handle: number): number;
  /** which: 0 a connection's local end, 1 its peer, 2 a listener's local end. */
  address(handle: number, which: 0 | 1 | 2): [address: string, port: number, family: string] | number;
  stats(): { connections: number; unannounced: number; plainOpened: number; plainDeclined: number; listeners: number; connectionSlots: number; connectionSize: number; readBufferSize: number; reusedReadBufferSize: number };
}

/**
 * Sizes (bytes) from which the addon is faster than TypeScript, per function, measured by
 * bench/thresholds.mjs (the run, the machine and the crossover tables are in bench/RESULTS.md,
 * "Native thresholds"). Below them a call into native code (50-150 ns in that run, mostly N-API's
 * cost per typed-array argument, more with more arguments) costs more than the TypeScript loop
 * takes. scanFrames does little per frame in C++ (a 16-byte frame costs a few ns), so from about
 * a hundred bytes one call beats the TypeScript walk.
 */
export const NATIVE_MIN_LENGTH = {
  mask: 192,
  unmask: 192,
  validateUtf8: 64,
  unmaskAndValidate: 96,
  /** Bytes from `start` to the end of the chunk. */
  scanFrames: 96,
} as const;

/**
 * Below this size, whole-buffer UTF-8 validation (isValidUtf8, and validateUtf8 at a character
 * boundary) asks Node's own `buffer.isUtf8` first: simdutf behind a V8 fast call, cheaper than
 * any addon call (N-API's per-argument cost) and than the TypeScript loop. Above it our kernel
 * is faster (bench/isutf8-crossover.mjs; bench/RESULTS.md, "Native thresholds").
 */
export const NODE_IS_UTF8_MAX_LENGTH = 4096;

/** Works from src/ (vitest) and from dist/ (compiled): both sit one level below the package root. */
const packageRoot = path.resolve(__dirname, '..');

function loadAddon(): { addon?: NativeAddon; error?: Error } {
  if (process.env.WSFRAME_NO_NATIVE === '1') {
    return { error: new Error('WSFRAME_NO_NATIVE=1 forces the TypeScript kernels') };
  }
  try {
    const addonPath = process.env.WSFRAME_ADDON_PATH;
    if (addonPath) return { addon: require(path.resolve(addonPath)) as NativeAddon };
    const load = require('node-gyp-build') as (root: string) => NativeAddon;
    return { addon: load(packageRoot) };
  } catch (error) {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }
}

const loaded = loadAddon();

/** The raw addon, or undefined when it did not load (see nativeLoadError). */
export const nativeAddon: NativeAddon | undefined = loaded.addon;

/** Why the addon did not load, or undefined when it did. */
export const nativeLoadError: Error | undefined = loaded.error;

export { typescriptKernels };

/** The addon behind the Kernels interface, with no size thresholds: for tests and benchmarks. */
export const nativeKernels: Kernels | undefined = nativeAddon === undefined ? undefined : wrapAddon(nativeAddon);

function wrapAddon(addon: NativeAddon): Kernels {
  return {
    name: 'native',
    get isa() {
      return addon.isa;
    },
    mask: addon.mask,
    unmask: addon.unmask,
    isValidUtf8: addon.isValidUtf8,
    validateUtf8: addon.validateUtf8,
    unmaskAndValidate: addon.unmaskAndValidate,
    scanFrames: addon.scanFrames,
  };
}

/** The addon for large inputs and TypeScript for small ones; both give identical results. */
function thresholdKernels(addon: NativeAddon): Kernels {
  const ts = typescriptKernels;
  return {
    name: 'native',
    get isa() {
      return addon.isa;
    },
    mask(source, key, output, offset, length) {
      if (length < NATIVE_MIN_LENGTH.mask) ts.mask(source, key, output, offset, length);
      else addon.mask(source, key, output, offset, length);
    },
    unmask(buffer, key) {
      if (buffer.length < NATIVE_MIN_LENGTH.unmask) ts.unmask(buffer, key);
      else addon.unmask(buffer, key);
    },
    isValidUtf8(buffer) {
      return buffer.length < NODE_IS_UTF8_MAX_LENGTH ? isUtf8(buffer) : addon.isValidUtf8(buffer);
    },
    validateUtf8(buffer, state, final) {
      // Valid whole characters from a boundary end at a boundary: state 0, the common case. Anything
      // else (invalid, or ending inside a character) needs the streaming validator's exact state.
      if (state === 0 && buffer.length < NODE_IS_UTF8_MAX_LENGTH && isUtf8(buffer)) return 0;
      return buffer.length < NATIVE_MIN_LENGTH.validateUtf8
        ? ts.validateUtf8(buffer, state, final)
        : addon.validateUtf8(buffer, state, final);
    },
    unmaskAndValidate(buffer, key, keyOffset, state, final) {
      return buffer.length < NATIVE_MIN_LENGTH.unmaskAndValidate
        ? ts.unmaskAndValidate(buffer, key, keyOffset, state, final)
        : addon.unmaskAndValidate(buffer, key, keyOffset, state, final);
    },
    scanFrames(chunk, start, out, state) {
      return chunk.length - start < NATIVE_MIN_LENGTH.scanFrames
        ? ts.scanFrames(chunk, start, out, state)
        : addon.scanFrames(chunk, start, out, state);
    },
  };
}

/** What the library uses. */
export const kernels: Kernels = nativeAddon === undefined ? typescriptKernels : thresholdKernels(nativeAddon);
