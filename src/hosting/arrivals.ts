/**
 * Entries in order of arrival, linked through the entries themselves: adding and removing one
 * allocates nothing and hashes nothing. The standalone server keeps the connections whose
 * request head is still arriving this way, one add and one removal per connection opened (a Set
 * did both with hashing, and grew and shrank its table in bursts: bench/RESULTS.md, "Opening:
 * the common handshake in the addon").
 */
export interface Arrival<T> {
  /** The entry that arrived before this one, while both are in the list. */
  earlier: T | undefined;
  /** The entry that arrived after this one. */
  later: T | undefined;
  /** In a list now. */
  listed: boolean;
}

export class Arrivals<T extends Arrival<T>> {
  private first: T | undefined;
  private last: T | undefined;
  size = 0;

  add(entry: T): void {
    entry.earlier = this.last;
    entry.later = undefined;
    entry.listed = true;
    if (this.last === undefined) this.first = entry;
    else this.last.later = entry;
    this.last = entry;
    this.size++;
  }

  /** Takes the entry out; false if it was not in the list. */
  delete(entry: T): boolean {
    if (!entry.listed) return false;
    const { earlier, later } = entry;
    if (earlier === undefined) this.first = later;
    else earlier.later = later;
    if (later === undefined) this.last = earlier;
    else later.earlier = earlier;
    entry.earlier = entry.later = undefined;
    entry.listed = false;
    this.size--;
    return true;
  }

  /** Oldest first. The entry just visited may be deleted (its successor was read before). */
  *[Symbol.iterator](): IterableIterator<T> {
    let entry = this.first;
    while (entry !== undefined) {
      const later = entry.later;
      yield entry;
      entry = later;
    }
  }
}
