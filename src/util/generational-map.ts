/**
 * A map that forgets its oldest entries, in O(1) per operation.
 *
 * Entries live in a "young" map; when it is full it becomes the "old" map and the previous old map
 * is dropped. So between `capacity` and `2 × capacity` of the most recent entries are kept.
 *
 * Why not delete the first key of one Map: V8 leaves deleted entries as holes at the front of a
 * Map's table, so `keys().next()` after many such deletions walks all the holes — an O(n) step on
 * every insert, which the profiler showed as the handler's single largest cost.
 */
export class GenerationalMap<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: K): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key);
  }

  has(key: K): boolean {
    return this.#young.has(key) || this.#old.has(key);
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  set(key: K, value: V): void {
    if (this.#young.size >= this.#capacity) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#young.set(key, value);
  }
}
