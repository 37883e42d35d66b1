import type { Extension, ExtensionParams } from './header-values.js';

/**
 * What a negotiator returns when it accepts an offer: the parameters to answer with, plus
 * whatever the extension needs later to run (a negotiator extends this interface).
 */
export interface ExtensionAcceptance {
  readonly response: ExtensionParams;
}

/** The pluggable step of extension negotiation; permessage-deflate is one of these. */
export interface ExtensionNegotiator<Acceptance extends ExtensionAcceptance = ExtensionAcceptance> {
  /** The extension token this negotiator answers for, e.g. "permessage-deflate". */
  readonly name: string;
  /**
   * Shown every offer of `name`, in the client's order of preference (RFC 6455 §9.1); returns
   * the acceptance of one of them, or undefined to decline them all.
   */
  accept(offers: ExtensionParams[]): Acceptance | undefined;
}

/** An accepted extension: its response element plus the negotiator's acceptance. */
export interface NegotiatedExtension<Acceptance extends ExtensionAcceptance = ExtensionAcceptance> extends Extension {
  readonly acceptance: Acceptance;
}

/**
 * The extensions the server uses, in the order of `negotiators` — that order becomes the order
 * in Sec-WebSocket-Extensions, which is the order the extensions process data in (RFC 6455 §9.1).
 * Offers no negotiator knows are ignored and never echoed (RFC 6455 §4.2.2 step 5.4 /extensions/:
 * the server answers only with extensions it supports).
 */
export function negotiateExtensions(
  offers: readonly Extension[],
  negotiators: readonly ExtensionNegotiator[],
): NegotiatedExtension[] {
  const negotiated: NegotiatedExtension[] = [];
  for (const negotiator of negotiators) {
    const offersForIt = offers.filter((offer) => offer.name === negotiator.name).map((offer) => offer.params);
    if (offersForIt.length === 0) continue;
    const acceptance = negotiator.accept(offersForIt);
    if (acceptance !== undefined) negotiated.push({ name: negotiator.name, params: acceptance.response, acceptance });
  }
  return negotiated;
}
