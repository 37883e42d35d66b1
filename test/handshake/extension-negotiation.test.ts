import { describe, expect, it } from 'vitest';
import {
  negotiateExtensions,
  type ExtensionAcceptance,
  type ExtensionNegotiator,
} from '../../src/handshake/extension-negotiation.js';
import type { ExtensionParams } from '../../src/handshake/header-values.js';

interface RecordingNegotiator extends ExtensionNegotiator {
  readonly seen: ExtensionParams[][];
}

/** Accepts the first offer whose parameters `accepts` approves, answering with them. */
function negotiator(name: string, accepts: (params: ExtensionParams) => boolean = () => true): RecordingNegotiator {
  const seen: ExtensionParams[][] = [];
  return {
    name,
    seen,
    accept(offers): ExtensionAcceptance | undefined {
      seen.push(offers);
      const chosen = offers.find(accepts);
      return chosen === undefined ? undefined : { response: chosen };
    },
  };
}

describe('negotiateExtensions', () => {
  it("shows a negotiator all offers of its name in the client's order", () => {
    const deflate = negotiator('permessage-deflate');
    negotiateExtensions(
      [
        { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
        { name: 'x-other', params: [] },
        { name: 'permessage-deflate', params: [] },
      ],
      [deflate],
    );
    expect(deflate.seen).toEqual([[[['server_max_window_bits', '10']], []]]);
  });

  it('answers with the response parameters and keeps the acceptance', () => {
    const result = negotiateExtensions(
      [
        { name: 'permessage-deflate', params: [['client_no_context_takeover', true]] },
        { name: 'permessage-deflate', params: [] },
      ],
      [negotiator('permessage-deflate', (params) => params.length === 0)],
    );
    expect(result).toEqual([{ name: 'permessage-deflate', params: [], acceptance: { response: [] } }]);
  });

  it('ignores offers no negotiator knows, never echoing them', () => {
    expect(negotiateExtensions([{ name: 'x-unknown', params: [['a', '1']] }], [negotiator('permessage-deflate')])).toEqual([]);
  });

  it('does not call a negotiator whose extension was not offered', () => {
    const deflate = negotiator('permessage-deflate');
    negotiateExtensions([{ name: 'x-other', params: [] }], [deflate]);
    expect(deflate.seen).toEqual([]);
  });

  it('leaves out an extension whose negotiator declines', () => {
    const result = negotiateExtensions([{ name: 'a', params: [] }, { name: 'b', params: [] }], [negotiator('a', () => false), negotiator('b')]);
    expect(result.map((extension) => extension.name)).toEqual(['b']);
  });

  it("orders the answer by the server's negotiators (RFC 6455 §9.1: the processing order)", () => {
    const result = negotiateExtensions([{ name: 'a', params: [] }, { name: 'b', params: [] }], [negotiator('b'), negotiator('a')]);
    expect(result.map((extension) => extension.name)).toEqual(['b', 'a']);
  });
});
