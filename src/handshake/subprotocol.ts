/**
 * How the server picks a subprotocol: either a list of the ones it supports, most preferred first,
 * or a function that is shown the client's offers and names one of them.
 */
export type SubprotocolSelector = readonly string[] | ((offered: readonly string[]) => string | undefined);

/**
 * The subprotocol to answer in Sec-WebSocket-Protocol, or undefined to omit the header
 * (RFC 6455 §4.2.2 step 5.4 /subprotocol/). With a list the server's order wins, not the
 * client's. The answer is always one of the offers: a name the client did not offer would make
 * it fail the connection (RFC 6455 §4.1 item 6), so such a choice counts as no choice. Names are
 * compared exactly; they are case-sensitive.
 */
export function selectSubprotocol(offered: readonly string[], supported: SubprotocolSelector): string | undefined {
  const choice = typeof supported === 'function' ? supported(offered) : supported.find((name) => offered.includes(name));
  return choice !== undefined && offered.includes(choice) ? choice : undefined;
}
