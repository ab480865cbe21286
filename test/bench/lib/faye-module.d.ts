// The slice of Faye's API the bench uses (the package ships no types).
declare module 'faye' {
  export type Message = { channel: string; clientId?: string; connectionType?: string; successful?: boolean; data?: unknown; [k: string]: unknown }
  export type Extension = {
    incoming?: (message: Message, callback: (m: Message) => void) => void
    outgoing?: (message: Message, callback: (m: Message) => void) => void
  }
  export class NodeAdapter {
    constructor(options: { mount: string; timeout?: number; ping?: number })
    attach(server: import('node:http').Server): void
    addExtension(extension: Extension): void
  }
  /** Thenable: resolves when the server acknowledges the subscription or publication. */
  export type Deferred = PromiseLike<unknown>
  export class Client {
    constructor(endpoint: string, options?: { timeout?: number; retry?: number; interval?: number })
    disable(feature: string): void
    addExtension(extension: Extension): void
    connect(callback?: () => void): void
    subscribe(channel: string, onMessage: (data: any) => void): Deferred
    publish(channel: string, data: unknown): Deferred
    disconnect(): void
  }
  const faye: { NodeAdapter: typeof NodeAdapter; Client: typeof Client }
  export default faye
}
