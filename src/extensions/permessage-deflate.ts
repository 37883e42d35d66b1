/**
 * permessage-deflate negotiation (RFC 7692 §5, §7.1): the client's offer, the server's choice
 * among offers, and the client's check of the answer. Pure: parameters in, parameters out.
 */
import type { ExtensionAcceptance, ExtensionNegotiator } from '../handshake/extension-negotiation.js';
import type { Extension, ExtensionParams } from '../handshake/header-values.js';

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What one side configures (server and client alike). */
export interface PerMessageDeflateOptions {
  /**
   * Server: answer with server_no_context_takeover, so our compressor keeps no state between
   * messages — no per-connection deflate memory, and one compression serves a broadcast.
   * Default true on the server. Client: ask the server for it. Default false on the client.
   */
  serverNoContextTakeover?: boolean;
  /**
   * Server: answer with client_no_context_takeover, so we keep no window of what the client
   * sent either: an idle connection then holds no compression memory at all. Default true on
   * the server (memory first; a chat's small messages lose little ratio). Client: offer it.
   * Default false on the client.
   */
  clientNoContextTakeover?: boolean;
  /** Largest window (bits, 9–15) the server compresses with: server_max_window_bits. Default 15. */
  serverMaxWindowBits?: number;
  /** Largest window (bits, 9–15) the client compresses with: client_max_window_bits. Default 15. */
  clientMaxWindowBits?: number;
  /** Messages smaller than this many bytes are sent uncompressed. Default 1024. */
  threshold?: number;
  /** zlib compression level 0–9. Default 6 (zlib's default). */
  level?: number;
  /** zlib memLevel 1–9 (compressor memory). Default 8. */
  memLevel?: number;
}

/** The agreement (RFC 7692 §7.1), the same on both ends. Window bits default to 15. */
export interface DeflateParameters {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export interface DeflateAcceptance extends ExtensionAcceptance {
  readonly parameters: DeflateParameters;
}

const MIN_WINDOW_BITS = 8;
const MAX_WINDOW_BITS = 15;

/** An offer or answer read into named values; undefined when it breaks §7.1's rules. */
interface ParsedParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** undefined: absent. */
  serverMaxWindowBits: number | undefined;
  /** undefined: absent; true: present without a value (a client offer only, §7.1.2.2). */
  clientMaxWindowBits: number | true | undefined;
}

/**
 * §7.1: each parameter at most once; unknown parameters make the element unacceptable; the
 * no_context_takeover parameters carry no value; window bits are 8–15 (a quoted value was
 * already unquoted by the header parser, §7.1.2: "1*DIGIT" in either form).
 */
function parseParams(params: ExtensionParams, role: 'offer' | 'answer'): ParsedParams | undefined {
  const parsed: ParsedParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) return undefined;
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (value !== true) return undefined;
        parsed[name === 'server_no_context_takeover' ? 'serverNoContextTakeover' : 'clientNoContextTakeover'] = true;
        break;
      case 'server_max_window_bits': {
        const bits = windowBits(value);
        if (bits === undefined) return undefined;
        parsed.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        // §7.1.2.2: the client may offer it without a value; an answer must carry one.
        if (value === true && role === 'offer') {
          parsed.clientMaxWindowBits = true;
          break;
        }
        const bits = windowBits(value);
        if (bits === undefined) return undefined;
        parsed.clientMaxWindowBits = bits;
        break;
      }
      default:
        return undefined;
    }
  }
  return parsed;
}

function windowBits(value: string | true): number | undefined {
  if (value === true || !/^[0-9]{1,2}$/.test(value)) return undefined;
  const bits = Number(value);
  return bits >= MIN_WINDOW_BITS && bits <= MAX_WINDOW_BITS ? bits : undefined;
}

/** The server's side: the first acceptable offer, answered (RFC 7692 §5.1, §7.1). */
export function deflateNegotiator(options: PerMessageDeflateOptions = {}): ExtensionNegotiator<DeflateAcceptance> {
  const serverNoContextTakeover = options.serverNoContextTakeover ?? true;
  const clientNoContextTakeover = options.clientNoContextTakeover ?? true;
  const serverLimit = options.serverMaxWindowBits ?? MAX_WINDOW_BITS;
  const clientLimit = options.clientMaxWindowBits ?? MAX_WINDOW_BITS;
  return {
    name: PERMESSAGE_DEFLATE,
    accept(offers: ExtensionParams[]): DeflateAcceptance | undefined {
      for (const params of offers) {
        const offer = parseParams(params, 'offer');
        if (offer === undefined) continue; // §5.1: a malformed offer is declined, the next one tried
        // §7.1.2.2: we may limit the client's window only if it said it supports the parameter.
        if (clientLimit < MAX_WINDOW_BITS && offer.clientMaxWindowBits === undefined) continue;
        const parameters: DeflateParameters = {
          serverNoContextTakeover: serverNoContextTakeover || offer.serverNoContextTakeover,
          clientNoContextTakeover: clientNoContextTakeover || offer.clientNoContextTakeover,
          serverMaxWindowBits: Math.min(serverLimit, offer.serverMaxWindowBits ?? MAX_WINDOW_BITS),
          clientMaxWindowBits: Math.min(clientLimit, offer.clientMaxWindowBits === true ? MAX_WINDOW_BITS : (offer.clientMaxWindowBits ?? MAX_WINDOW_BITS)),
        };
        const response: Array<readonly [string, string | true]> = [];
        if (parameters.serverNoContextTakeover) response.push(['server_no_context_takeover', true]);
        if (parameters.clientNoContextTakeover) response.push(['client_no_context_takeover', true]);
        // §7.1.2.1: answered with the same or a smaller value when offered; also when we limit ourselves.
        if (offer.serverMaxWindowBits !== undefined || parameters.serverMaxWindowBits < MAX_WINDOW_BITS) {
          response.push(['server_max_window_bits', String(parameters.serverMaxWindowBits)]);
        }
        if (offer.clientMaxWindowBits !== undefined && (offer.clientMaxWindowBits !== true || parameters.clientMaxWindowBits < MAX_WINDOW_BITS)) {
          response.push(['client_max_window_bits', String(parameters.clientMaxWindowBits)]);
        }
        return { response, parameters };
      }
      return undefined;
    },
  };
}

/**
 * The client's offer. It always says it supports client_max_window_bits (§7.1.2.2), so the
 * server may limit our window instead of declining the extension.
 */
export function deflateOffer(options: PerMessageDeflateOptions = {}): Extension {
  const params: Array<readonly [string, string | true]> = [];
  if (options.serverNoContextTakeover === true) params.push(['server_no_context_takeover', true]);
  if (options.clientNoContextTakeover === true) params.push(['client_no_context_takeover', true]);
  if (options.serverMaxWindowBits !== undefined) params.push(['server_max_window_bits', String(options.serverMaxWindowBits)]);
  params.push(['client_max_window_bits', options.clientMaxWindowBits !== undefined ? String(options.clientMaxWindowBits) : true]);
  return { name: PERMESSAGE_DEFLATE, params };
}

/**
 * The client's check of the server's answer (§7.1): only parameters we allow, valid values,
 * windows no larger than we asked for. Returns the agreement, or why it is unacceptable.
 */
export function acceptDeflateAnswer(answer: ExtensionParams, options: PerMessageDeflateOptions = {}): DeflateParameters | string {
  const parsed = parseParams(answer, 'answer');
  if (parsed === undefined) return 'the permessage-deflate answer has an unknown, repeated or invalid parameter';
  if (options.serverMaxWindowBits !== undefined && (parsed.serverMaxWindowBits ?? MAX_WINDOW_BITS) > options.serverMaxWindowBits) {
    return 'the server answered a larger server_max_window_bits than offered';
  }
  const clientBits = parsed.clientMaxWindowBits === true ? MAX_WINDOW_BITS : (parsed.clientMaxWindowBits ?? MAX_WINDOW_BITS);
  if (options.clientMaxWindowBits !== undefined && clientBits > options.clientMaxWindowBits) {
    return 'the server answered a larger client_max_window_bits than offered';
  }
  if (options.serverNoContextTakeover === true && !parsed.serverNoContextTakeover) {
    return 'the server did not accept server_no_context_takeover';
  }
  return {
    serverNoContextTakeover: parsed.serverNoContextTakeover,
    clientNoContextTakeover: parsed.clientNoContextTakeover,
    serverMaxWindowBits: parsed.serverMaxWindowBits ?? MAX_WINDOW_BITS,
    clientMaxWindowBits: clientBits,
  };
}
