import { request, type IncomingHttpHeaders, type Agent } from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

type SendOptions = { method?: string; headers?: Record<string, string>; body?: Buffer; chunk?: number; timeoutMs?: number; agent?: Agent | false };

/**
 * One HTTP request with node:http: the body is written in chunks with
 * backpressure (as a streaming client would), and a reply or an error comes
 * back; never an unhandled error, whatever the server does (it may be killed).
 *
 * A kept-alive socket the server closed (its keep-alive timeout) just as we
 * reused it fails with ECONNRESET before the request reached the server; like
 * browsers and undici, that one case is retried once on a new connection
 * (https://nodejs.org/api/http.html#requestreusedsocket). A reset on a fresh
 * connection is still an error.
 */
export async function send(url: string, opts: SendOptions = {}): Promise<Reply> {
  try {
    return await sendOnce(url, opts);
  } catch (err) {
    if (!(err instanceof StaleSocketError)) throw err;
    return sendOnce(url, { ...opts, agent: false });
  }
}

class StaleSocketError extends Error {}

function sendOnce(url: string, opts: SendOptions): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers, agent: opts.agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - started }));
      res.on('error', reject);
    });
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && !answered && err.code === 'ECONNRESET';
      reject(stale ? new StaleSocketError(`stale keep-alive socket: ${err.message}`) : err);
    });
    req.setTimeout(opts.timeoutMs ?? 60_000, () => req.destroy(new Error(`no reply within ${opts.timeoutMs ?? 60_000} ms`)));
    void write(req, opts.body, opts.chunk ?? 64 * 1024).catch(() => {});
  });
}

async function write(req: ReturnType<typeof request>, body: Buffer | undefined, chunk: number): Promise<void> {
  if (!body) return void req.end();
  for (let i = 0; i < body.length && !req.destroyed; i += chunk) {
    if (!req.write(body.subarray(i, i + chunk))) {
      await new Promise<void>((ok) => {
        const done = () => {
          req.off('drain', done);
          req.off('close', done);
          ok();
        };
        req.on('drain', done);
        req.on('close', done);
      });
    }
  }
  req.end();
}

/** SOP Instance UIDs in a STOW response's Referenced SOP Sequence. */
export function referencedSops(body: Buffer): string[] {
  try {
    const json = JSON.parse(body.toString('utf8'));
    return (json['00081199']?.Value ?? []).map((i: any) => String(i['00081155'].Value[0]));
  } catch {
    return [];
  }
}
