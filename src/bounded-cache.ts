/**
 * A Map bounded in size that forgets its oldest entries first. Reads do not reorder (that would
 * cost a delete and an insert on every hit, on the hottest path of the server); an entry evicted
 * while still in use is simply read again from its source.
 */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>()
  constructor(private readonly max: number) {}

  get(key: K): V | undefined {
    return this.map.get(key)
  }

  set(key: K, value: V): void {
    this.map.delete(key)
    this.map.set(key, value)
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as K)
  }

  delete(key: K): void {
    this.map.delete(key)
  }

  get size() {
    return this.map.size
  }
}
