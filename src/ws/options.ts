/** ws's option values as wsframe's (the names and defaults that differ are in README, "Migrating from ws"). */
import type { PerMessageDeflateOptions } from '../extensions/permessage-deflate.js';

/** ws's perMessageDeflate object; zlib's level and memLevel are taken from zlibDeflateOptions. */
export interface WsPerMessageDeflateOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  clientMaxWindowBits?: number;
  threshold?: number;
  zlibDeflateOptions?: { level?: number; memLevel?: number; [option: string]: unknown };
  /** Ignored: wsframe (de)compresses a message in one synchronous call, one at a time. */
  zlibInflateOptions?: object;
  /** Ignored, as above. */
  concurrencyLimit?: number;
}

export function deflateOptionsFromWs(option: boolean | WsPerMessageDeflateOptions): boolean | PerMessageDeflateOptions {
  if (typeof option !== 'object' || option === null) return Boolean(option);
  const { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, threshold } = option;
  const zlib = option.zlibDeflateOptions ?? {};
  return { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits, threshold, level: zlib.level, memLevel: zlib.memLevel };
}

/** ws's maxPayload (0: no limit) as receiveBufferLimit; undefined keeps wsframe's default (4 MiB). */
export function maxPayloadToLimit(maxPayload: number | undefined): number | undefined {
  if (maxPayload === undefined) return undefined;
  return maxPayload === 0 ? Number.MAX_SAFE_INTEGER : maxPayload;
}

