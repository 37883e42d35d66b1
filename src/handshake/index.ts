/** The sans-I/O opening handshake (RFC 6455 §4, §9.1): bytes and objects in, bytes and objects out. */
export { computeAccept, generateKey } from './accept-key.js';
export {
  formatExtensionList,
  parseExtensionList,
  parseTokenList,
  type Extension,
  type ExtensionParams,
  type ExtensionParamValue,
  type ParseResult,
} from './header-values.js';
export type { ExtraHeaders } from './header-fields.js';
export { AllowedOrigins, parseOrigin } from './origin.js';
export { selectSubprotocol, type SubprotocolSelector } from './subprotocol.js';
export {
  negotiateExtensions,
  type ExtensionAcceptance,
  type ExtensionNegotiator,
  type NegotiatedExtension,
} from './extension-negotiation.js';
export {
  validateUpgradeRequest,
  type AcceptableUpgrade,
  type RefusedUpgrade,
  type UpgradeRequest,
  type UpgradeRequestOptions,
  type UpgradeRequestValidation,
} from './server-handshake.js';
export {
  RequestHeadParser,
  headersFromRaw,
  type RequestHead,
  type RequestHeadOptions,
  type RequestHeadRefusal,
  type RequestHeadResult,
} from './request-head.js';
export { acceptResponse, pageResponse, refusalResponse, type AcceptResponseOptions } from './responses.js';
export {
  parseWebSocketUrl,
  upgradeRequestHeaders,
  validateUpgradeResponse,
  type UpgradeOffer,
  type UpgradeRequestHeadersOptions,
  type UpgradeResponse,
  type UpgradeResponseValidation,
  type WebSocketUrl,
} from './client-handshake.js';
export {
  connectAcceptResponse,
  connectRefusalResponse,
  connectRequestHeaders,
  isWebSocketConnect,
  validateConnectRequest,
  validateConnectResponse,
  type ConnectAcceptOptions,
  type ConnectAnswer,
  type ConnectRequest,
  type ConnectRequestHeadersOptions,
  type ConnectRequestValidation,
  type ConnectResponse,
} from './extended-connect.js';
