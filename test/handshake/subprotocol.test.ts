import { describe, expect, it } from 'vitest';
import { selectSubprotocol } from '../../src/handshake/subprotocol.js';

describe('selectSubprotocol', () => {
  it("follows the server's order of preference, not the client's", () => {
    expect(selectSubprotocol(['chat', 'superchat'], ['superchat', 'chat'])).toBe('superchat');
    expect(selectSubprotocol(['superchat', 'chat'], ['chat', 'superchat'])).toBe('chat');
  });

  it('skips supported names that were not offered', () => {
    expect(selectSubprotocol(['v2'], ['v3', 'v2', 'v1'])).toBe('v2');
  });

  it('is undefined when nothing matches, so the header is omitted', () => {
    expect(selectSubprotocol(['chat'], ['mqtt'])).toBeUndefined();
    expect(selectSubprotocol([], ['mqtt'])).toBeUndefined();
    expect(selectSubprotocol(['chat'], [])).toBeUndefined();
  });

  it('compares names case-sensitively', () => {
    expect(selectSubprotocol(['Chat'], ['chat'])).toBeUndefined();
  });

  it('lets a function choose among the offers', () => {
    const offeredSeen: Array<readonly string[]> = [];
    const choice = selectSubprotocol(['v1', 'v2'], (offered) => {
      offeredSeen.push(offered);
      return offered.at(-1);
    });
    expect(choice).toBe('v2');
    expect(offeredSeen).toEqual([['v1', 'v2']]);
  });

  it('never answers a name the function picked that was not offered', () => {
    expect(selectSubprotocol(['v1'], () => 'v9')).toBeUndefined();
    expect(selectSubprotocol(['v1'], () => undefined)).toBeUndefined();
  });
});
