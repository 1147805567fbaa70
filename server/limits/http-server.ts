import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpLimits } from './limits-config.js';
import { sendLimitResponse, writeRawLimitResponse } from './limit-response.js';

/**
 * The HTTP server with its time and size limits, so a slow or stalled
 * client cannot hold a connection (slowloris, slow POST, a reader that stops
 * reading). Refusals are 408/413/431/400 that name the limit:
 * - headers not in within HTTP_HEADERS_TIMEOUT_MS → 408 (Node's headersTimeout);
 * - request (body included) not in within HTTP_REQUEST_TIMEOUT_MS → 408 (Node's requestTimeout);
 * - no traffic for HTTP_IDLE_TIMEOUT_MS while a request is being received → 408
 *   (unless received bytes are waiting to be read: then the server is the slow one);
 *   while a response is being sent (the client stopped reading) → connection closed;
 *   while the server is still working on a received request → left alone;
 * - request head over HTTP_MAX_HEADER_BYTES → 431.
 */
export function createHttpServer(app: RequestListener, limits: HttpLimits): Server {
  const shortest = Math.min(...[limits.headersTimeout.max, limits.requestTimeout.max].filter((ms) => ms > 0));
  const server = createServer({
    headersTimeout: limits.headersTimeout.max,
    requestTimeout: limits.requestTimeout.max,
    keepAliveTimeout: limits.keepAliveTimeout.max,
    maxHeaderSize: limits.maxHeaderBytes.max,
    // Node checks the two timeouts above on this interval (default 30 s): check often enough to be near them.
    connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(shortest / 4))),
  });
  const inFlight = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, { req, res });
    res.once('close', () => {
      if (inFlight.get(socket)?.res === res) inFlight.delete(socket);
    });
    socket.setTimeout(limits.idleTimeout.max);
    app(req, res);
  });

  // With a listener here Node no longer closes timed-out sockets itself: every case is decided below.
  server.on('timeout', (socket: Socket) => {
    const current = inFlight.get(socket);
    if (!current) return void socket.destroy(); // between requests (keep-alive) or before the first one
    const { req, res } = current;
    if (!req.complete && !res.headersSent) {
      // Bytes received but not yet read: the server is behind (backpressure while it
      // stores a part), not the client. Wait another period.
      if (req.readableLength > 0) return void socket.setTimeout(limits.idleTimeout.max);
      refuse(req, res, `${limits.idleTimeout.name}=${limits.idleTimeout.max} exceeded: no bytes received for that many ms`);
    } else if (res.headersSent) {
      socket.destroy(); // the client stopped reading the response
    } // else: the request is in and the server is working; its own dependency timeouts apply
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const current = inFlight.get(socket);
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && current && !current.res.headersSent) {
      const l = limits.requestTimeout;
      return refuse(current.req, current.res, `${l.name}=${l.max} exceeded: the request was not received within that many ms`);
    }
    if (!socket.writable || socket.bytesWritten > 0 || current?.res.headersSent) return void socket.destroy();
    const [status, reason, message] = describe(err, limits);
    writeRawLimitResponse(socket, status, reason, message);
    socket.destroySoon();
  });

  return server;
}

/** 408 in the protocol's form, then close: the rest of the request is never read. */
function refuse(req: IncomingMessage, res: ServerResponse, message: string): void {
  res.once('finish', () => req.socket.destroy());
  sendLimitResponse(req, res, 408, message, { Connection: 'close' });
}

function describe(err: NodeJS.ErrnoException, limits: HttpLimits): [number, string, string] {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT': {
      const l = limits.headersTimeout;
      return [408, 'Request Timeout', `${l.name}=${l.max} exceeded: request headers not received within that many ms`];
    }
    case 'HPE_HEADER_OVERFLOW': {
      const l = limits.maxHeaderBytes;
      return [431, 'Request Header Fields Too Large', `${l.name}=${l.max} exceeded: the request line and headers are larger`];
    }
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Payload Too Large', 'chunk extensions too large'];
    default:
      return [400, 'Bad Request', `malformed HTTP request (${err.code ?? 'parse error'})`];
  }
}
