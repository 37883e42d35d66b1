/**
 * Streaming UTF-8 validation across fragments (RFC 6455 §8.1, native/README.md): any way of
 * cutting a message into chunks gives the whole-buffer verdict, every intermediate state is the
 * exact value of the contract (checked against a reference built on buffer.isUtf8, so all
 * implementations agree), and a chunk that makes the message impossible fails at once.
 */

import { isUtf8 } from 'node:buffer';
import { expect, test } from 'vitest';
import type { Kernels } from '../../src/kernels.js';
import { describeEachImplementation } from './implementations.js';
import { randomUtf8ish, seededRandom } from './random.js';
import { UTF8_CASES } from './utf8-cases.js';
import { expectedUtf8State } from './utf8-reference.js';

/** Messages to cut: the boundary cases inside text, and random valid-ish text. */
function messages(count: number, seed: number): Uint8Array[] {
  const random = seededRandom(seed);
  const list: Uint8Array[] = UTF8_CASES.map(([, hex]) => new Uint8Array(Buffer.concat([Buffer.from('ab'), Buffer.from(hex, 'hex'), Buffer.from('é')])));
  while (list.length < count) list.push(randomUtf8ish(random, 4 + Math.floor(random() * 16)));
  return list;
}

/** The expected state after each prefix length of `message`, not final. */
function expectedPrefixStates(message: Uint8Array): number[] {
  const states: number[] = [];
  for (let length = 0; length <= message.length; length++) states.push(expectedUtf8State(message.subarray(0, length), false));
  return states;
}

/**
 * Feeds message[0, cuts[0]), message[cuts[0], cuts[1]), ..., then the rest with `final`, checking
 * the state after each chunk; stops at the first UTF8_INVALID, as callers do.
 */
function checkCuts(kernels: Kernels, message: Uint8Array, cuts: number[], prefixStates: number[]): void {
  const ends = [...cuts, message.length];
  let state = 0;
  let start = 0;
  for (let c = 0; c < ends.length; c++) {
    const final = c === ends.length - 1;
    state = kernels.validateUtf8(message.subarray(start, ends[c]), state, final);
    const expected = final ? (isUtf8(message) ? 0 : -1) : prefixStates[ends[c]];
    if (state !== expected) {
      expect.fail(`${Buffer.from(message).toString('hex')} cut at ${cuts}: chunk ${c} gave ${state}, expected ${expected}`);
    }
    if (state === -1) return;
    start = ends[c];
  }
}

describeEachImplementation('streaming UTF-8', (kernels) => {
  test('the contract examples', () => {
    const bytes = (hex: string) => Buffer.from(hex, 'hex');
    expect(kernels.validateUtf8(bytes('e282'), 0, false)).toBe(2 | (0xe2 << 2) | (0x82 << 10));
    expect(kernels.validateUtf8(bytes('f09f98'), 0, false)).toBe(3 | (0xf0 << 2) | (0x9f << 10) | (0x98 << 18));
    expect(kernels.validateUtf8(bytes('ac'), 2 | (0xe2 << 2) | (0x82 << 10), true)).toBe(0);
    // Fail fast (Autobahn 6.4.x): the chunk that makes the message impossible is already -1.
    expect(kernels.validateUtf8(bytes('41f490'), 0, false)).toBe(-1);
    expect(kernels.validateUtf8(bytes('90'), 1 | (0xf4 << 2), false)).toBe(-1);
    expect(kernels.validateUtf8(bytes('eda0'), 0, false)).toBe(-1);
    expect(kernels.validateUtf8(bytes('e080'), 0, false)).toBe(-1);
    expect(kernels.validateUtf8(bytes('f08f'), 0, false)).toBe(-1);
    expect(kernels.validateUtf8(bytes('c0'), 0, false)).toBe(-1);
    // Empty input: the state is unchanged, unless final inside a character.
    const empty = new Uint8Array(0);
    expect(kernels.validateUtf8(empty, 0, false)).toBe(0);
    expect(kernels.validateUtf8(empty, 0, true)).toBe(0);
    expect(kernels.validateUtf8(empty, 1 | (0xc3 << 2), false)).toBe(1 | (0xc3 << 2));
    expect(kernels.validateUtf8(empty, 1 | (0xc3 << 2), true)).toBe(-1);
    // Final inside a character is invalid; a 1-byte chunk at a time through a 4-byte character.
    let state = 0;
    for (const byte of [0xf0, 0x9f, 0x98]) state = kernels.validateUtf8(Uint8Array.of(byte), state, false);
    expect(kernels.validateUtf8(Uint8Array.of(0x80), state, true)).toBe(0);
    expect(kernels.validateUtf8(new Uint8Array(0), state, true)).toBe(-1);
  });

  test('every split point of 400 messages gives the exact states and the whole-buffer verdict', () => {
    for (const message of messages(400, 5)) {
      const prefixStates = expectedPrefixStates(message);
      for (let cut = 0; cut <= message.length; cut++) checkCuts(kernels, message, [cut], prefixStates);
    }
  });

  test('every 2-cut of 120 messages', () => {
    for (const message of messages(120, 6)) {
      const prefixStates = expectedPrefixStates(message);
      for (let first = 0; first <= message.length; first++) {
        for (let second = first; second <= message.length; second++) checkCuts(kernels, message, [first, second], prefixStates);
      }
    }
  });

  test('long messages cut into random chunks, across SIMD blocks', () => {
    const random = seededRandom(7);
    for (let n = 0; n < 60; n++) {
      const message = randomUtf8ish(random, 300 + Math.floor(random() * 700));
      const prefixStates = expectedPrefixStates(message);
      const cuts: number[] = [];
      for (let at = Math.floor(random() * 70); at < message.length; at += 1 + Math.floor(random() * 140)) cuts.push(at);
      checkCuts(kernels, message, cuts, prefixStates);
    }
  });
});
