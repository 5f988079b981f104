/**
 * A WeakMap whose backing table cannot grow with the number of keys ever set.
 *
 * V8 removes a WeakMap's entries for dead keys only in a full GC and never shrinks the table then,
 * so a long-lived WeakMap keyed by per-call objects (a message of every invoke) grows to however
 * many keys were set between two full GCs — a table of megabytes that every full GC walks again
 * (ephemerons), and heap that grew with runs (memory bench: +1 MB of large objects from 1,000 to
 * 25,000 chain invokes). Here entries live in a "young" WeakMap that is retired after `capacity`
 * sets; the retired one is still read, the one before it dropped whole. Between `capacity` and
 * `2 × capacity` of the most recent sets are kept, as in GenerationalMap.
 */
export class GenerationalWeakMap<K extends object, V> {
  #young = new WeakMap<K, V>();
  #old = new WeakMap<K, V>();
  #sets = 0;
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: K): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key);
  }

  set(key: K, value: V): void {
    if (++this.#sets > this.#capacity) {
      this.#old = this.#young;
      this.#young = new WeakMap();
      this.#sets = 1;
    }
    this.#young.set(key, value);
  }
}
