/**
 * A WebSocket stand-in that records every instance and every frame sent, and lets a test play
 * the server: serverOpen(), serverMessage(), serverClose(), serverError().
 */
export class FakeWebSocket extends EventTarget {
  static instances: FakeWebSocket[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;

  readonly url: string;
  readonly protocols: string | string[] | undefined;
  readyState = 0;
  binaryType: BinaryType = 'blob';
  bufferedAmount = 0;
  protocol = '';
  extensions = '';
  sent: unknown[] = [];
  closeCalls: { code?: number; reason?: string }[] = [];

  constructor(url: string, protocols?: string | string[]) {
    super();
    this.url = url;
    this.protocols = protocols;
    FakeWebSocket.instances.push(this);
  }

  /** The newest instance. */
  static get last(): FakeWebSocket {
    const ws = FakeWebSocket.instances.at(-1);
    if (!ws) throw new Error('no FakeWebSocket was created');
    return ws;
  }

  /** Instances that are CONNECTING or OPEN: "live" sockets. */
  static live(): FakeWebSocket[] {
    return FakeWebSocket.instances.filter((ws) => ws.readyState < 2);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  send(data: unknown): void {
    if (this.readyState === 0) throw new DOMException('still CONNECTING', 'InvalidStateError');
    if (this.readyState === 1) this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closeCalls.push({ code, reason });
    if (this.readyState < 2) this.readyState = 2;
  }

  serverOpen(protocol = ''): void {
    this.readyState = 1;
    this.protocol = protocol;
    this.dispatchEvent(new Event('open'));
  }

  serverMessage(data: unknown): void {
    this.dispatchEvent(new MessageEvent('message', { data }));
  }

  serverClose(code = 1006, reason = '', wasClean = code !== 1006): void {
    this.readyState = 3;
    const init = { code, reason, wasClean };
    // Node before 23 has no CloseEvent: an Event with the same fields, as the `ws` package sends.
    this.dispatchEvent(
      typeof CloseEvent === 'function' ? new CloseEvent('close', init) : Object.assign(new Event('close'), init),
    );
  }

  /** A failed connection, as browsers report it: error, then close 1006. */
  serverError(): void {
    this.dispatchEvent(new Event('error'));
    this.serverClose(1006, '', false);
  }
}
