/** Deterministic random inputs for the kernel tests, so that a failure can be replayed. */

/** mulberry32: a tiny seeded PRNG returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(random: () => number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = Math.floor(random() * 256);
  return bytes;
}

export function randomInt(random: () => number, below: number): number {
  return Math.floor(random() * below);
}

/** One code point, mostly ASCII, then 2-, 3- and 4-byte characters (never a surrogate). */
function randomCodePoint(random: () => number): number {
  const kind = random();
  if (kind < 0.5) return 0x20 + randomInt(random, 0x5f);
  if (kind < 0.7) return 0x80 + randomInt(random, 0x780);
  if (kind < 0.9) {
    const codePoint = 0x800 + randomInt(random, 0xf800);
    return codePoint >= 0xd800 && codePoint <= 0xdfff ? codePoint - 0x1000 : codePoint;
  }
  return 0x10000 + randomInt(random, 0x100000);
}

export function randomValidUtf8(random: () => number, characters: number): Uint8Array {
  let text = '';
  for (let i = 0; i < characters; i++) text += String.fromCodePoint(randomCodePoint(random));
  return new Uint8Array(Buffer.from(text, 'utf8'));
}

/**
 * Valid-ish text: valid UTF-8 that is, about half the time, damaged by a few byte edits
 * (a random byte, a dropped byte, a boundary byte such as C0, ED A0, F4 90), so that both
 * verdicts are common.
 */
export function randomUtf8ish(random: () => number, characters: number): Uint8Array {
  const valid = Array.from(randomValidUtf8(random, characters));
  if (random() < 0.5) {
    const edits = 1 + randomInt(random, 3);
    for (let e = 0; e < edits; e++) {
      const at = randomInt(random, valid.length + 1);
      const kind = random();
      if (kind < 0.4) valid[at] = randomInt(random, 256);
      else if (kind < 0.6) valid.splice(at, 1);
      else valid.splice(at, 0, ...[[0xc0], [0xc1, 0x80], [0xed, 0xa0], [0xf4, 0x90], [0xf5], [0x80], [0xe0, 0x9f]][randomInt(random, 7)]);
    }
  }
  return new Uint8Array(valid);
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
