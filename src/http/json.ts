// Answers' bodies. Domain functions return objects; the route layer serializes them, once per
// object: a value the domain keeps and answers many times (a room's newest history page, frozen)
// is serialized the first time and its bytes reused while the object lives (a Buffer: written
// to each socket as it is, not encoded again per answer).

/** `{"data": value}` as UTF-8 bytes, remembered for each object until the object is dropped. */
export class DataBodies {
  private readonly bodies = new WeakMap<object, Buffer<ArrayBuffer>>()

  of(value: object): Buffer<ArrayBuffer> {
    let body = this.bodies.get(value)
    if (body === undefined) this.bodies.set(value, (body = Buffer.from(`{"data":${JSON.stringify(value)}}`)))
    return body
  }
}
