// The socket the `postgres` driver talks through on Workers: a Workers TCP socket
// (cloudflare:sockets) dressed as the Node socket the driver expects, STARTTLS included. The driver
// ships one like it, but when a connection fails (refused, reset) that one reports the error a
// second time after the driver has stopped listening, which escapes as an unhandled rejection; this
// one reports each failure once and goes quiet after that. It also keeps the server's last words:
// when a server ends a session under a running statement (FATAL 57P01 after pg_terminate_backend or
// a shutdown), the driver reports only that the connection closed.
import { connect } from "cloudflare:sockets";
import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";

/** What the driver passes the `socket` option: its parsed options (hosts and ports are lists). */
interface DriverOptions {
  host: string[];
  port: number[];
  ssl: unknown;
}

/** A FATAL error the server sent: its SQLSTATE and message. */
export interface ServerFatal {
  code: string;
  message: string;
}

const ERROR_RESPONSE = 0x45; // 'E'
/** The server's answer to an SSL request when it has no TLS. */
const NO_TLS = 0x4e; // 'N'

export class DriverSocket extends EventEmitter {
  /** The driver and its TLS upgrade read and set these: "open", "upgrading", "upgrade", "closed". */
  readyState = "open";
  /** The last FATAL error the server sent on this connection, if any. */
  lastFatal: ServerFatal | null = null;
  /** With TLS the server first answers the SSL request with one byte that is no message. */
  private answerByteDue = false;
  private header: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private errorBody: Buffer[] | null = null;
  raw!: Socket;
  writer!: WritableStreamDefaultWriter<Uint8Array>;
  reader!: ReadableStreamDefaultReader<Uint8Array>;
  destroyed = false;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super();
  }

  /** Follows the server's message framing just enough to catch ErrorResponse messages of severity FATAL. */
  private watch(chunk: Buffer): void {
    let offset = 0;
    if (this.answerByteDue) {
      this.answerByteDue = false;
      offset = 1;
    }
    while (offset < chunk.length) {
      if (this.remaining === 0) {
        const taken = chunk.subarray(offset, offset + 5 - this.header.length);
        this.header = Buffer.concat([this.header, taken]);
        offset += taken.length;
        if (this.header.length < 5) return;
        this.remaining = this.header.readInt32BE(1) - 4;
        this.errorBody = this.header[0] === ERROR_RESPONSE ? [] : null;
        this.header = Buffer.alloc(0);
      } else {
        const taken = chunk.subarray(offset, offset + this.remaining);
        this.errorBody?.push(taken);
        this.remaining -= taken.length;
        offset += taken.length;
      }
      if (this.remaining === 0 && this.errorBody) {
        const fatal = fatalOf(Buffer.concat(this.errorBody));
        if (fatal) this.lastFatal = fatal;
        this.errorBody = null;
      }
    }
  }

  /** Data for the driver, watched on the way. */
  private received(value: Uint8Array): void {
    const chunk = Buffer.from(value);
    this.watch(chunk);
    this.emit("data", chunk);
  }

  // An error nobody listens for any more (the driver removed its listeners on close) is dropped
  // rather than thrown out of a stream callback.
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === "error" && this.listenerCount("error") === 0) return false;
    return super.emit(event, ...args);
  }

  write(data: Uint8Array, callback?: () => void): boolean {
    this.writer.write(data).then(callback, (error) => this.fail(error));
    return true;
  }

  end(data?: Uint8Array): void {
    if (data) this.write(data, () => void this.raw.close().catch(() => {}));
    else this.raw.close().catch(() => {});
  }

  destroy(): void {
    this.destroyed = true;
    this.end();
  }

  setKeepAlive(): void {}

  /** Reads until the stream ends; called again by the driver's TLS upgrade on the new streams. */
  async read(): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await this.reader.read();
        if (done) return;
        this.received(value);
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Before STARTTLS only the server's one-byte answer is read, so the reader can be handed over. A
   * server without TLS answers N; the driver would then start TLS anyway and wait out its connect
   * timeout, so the connection fails here, saying why.
   */
  async readFirst(): Promise<void> {
    try {
      const { value } = await this.reader.read();
      if (value?.[0] === NO_TLS) {
        const refused = new Error(`the server does not accept TLS; a connector with ssl "disable" connects without it`);
        this.fail(Object.assign(refused, { code: "SSL_REFUSED" }));
        this.raw.close().catch(() => {});
        return;
      }
      if (value) this.received(value);
    } catch (error) {
      this.fail(error);
    }
  }

  expectAnswerByte(due: boolean): void {
    this.answerByteDue = due;
  }

  closed(): void {
    if (this.readyState === "closed") return;
    this.readyState = "closed";
    this.emit("close");
  }

  fail(error: unknown): void {
    if (this.readyState === "closed") return;
    this.emit("error", error);
    this.closed();
  }
}

/** The driver's `socket` option: a connection to its first host, opening in the background. */
export function driverSocket(options: DriverOptions): DriverSocket {
  const socket = new DriverSocket(options.host[0], options.port[0]);
  const tls = Boolean(options.ssl);
  socket.raw = connect({ hostname: socket.host, port: socket.port }, { secureTransport: tls ? "starttls" : "off", allowHalfOpen: false });
  // The plain socket's `closed` also resolves when STARTTLS replaces it: then the TLS one is open.
  socket.raw.closed.then(
    () => {
      if (socket.readyState === "upgrade") {
        socket.readyState = "open";
        socket.emit("secureConnect");
      } else {
        socket.closed();
      }
    },
    (error) => socket.fail(error),
  );
  socket.writer = socket.raw.writable.getWriter();
  socket.reader = socket.raw.readable.getReader();
  socket.expectAnswerByte(tls);
  if (tls) socket.readFirst();
  else socket.read();
  socket.raw.opened.catch(() => {
    // Reported through `closed` above.
  });
  return socket;
}

/** The SQLSTATE and message of an ErrorResponse body when its severity is FATAL (or PANIC). */
function fatalOf(body: Buffer): ServerFatal | null {
  const fields: Record<string, string> = {};
  let offset = 0;
  while (offset < body.length && body[offset] !== 0) {
    const end = body.indexOf(0, offset + 1);
    if (end === -1) break;
    fields[String.fromCharCode(body[offset])] = body.toString("utf8", offset + 1, end);
    offset = end + 1;
  }
  const severity = fields.V ?? fields.S;
  if ((severity !== "FATAL" && severity !== "PANIC") || !fields.C) return null;
  return { code: fields.C, message: fields.M ?? "" };
}
