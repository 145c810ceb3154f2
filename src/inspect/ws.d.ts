/** The part of the `ws` package (a WebSocket client for Node) that ws-inspector.ts uses. */
declare module 'ws' {
  export default class WebSocket {
    constructor(url: string);
    readonly bufferedAmount: number;
    readonly readyState: number;
    send(data: string): void;
    close(): void;
    terminate(): void;
    once(event: 'open', listener: () => void): this;
    once(event: 'error', listener: (err: Error) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }
}
