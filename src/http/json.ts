// Answers' bodies. Domain functions return objects; the route layer serializes them, once per
// object: a value the domain keeps and answers many times (a room's newest history page, frozen)
// is serialized the first time and its text reused while the object lives.

/** `{"data": value}` as text, remembered for each object until the object is dropped. */
export class DataBodies {
  private readonly bodies = new WeakMap<object, string>()

  of(value: object): string {
    let body = this.bodies.get(value)
    if (body === undefined) this.bodies.set(value, (body = `{"data":${JSON.stringify(value)}}`))
    return body
  }
}
