// A small keep-alive HTTP client on node:http. Not fetch: undici's extra
// buffering and stream machinery would be measured along with the servers,
// and we want the client to be as cheap as possible on a small machine.
import http from 'node:http';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Milliseconds from sending the request to the last byte of the response. */
  ms: number;
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly base: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
    // One socket per worker so connection setup is paid once, as a real client would.
    this.agent = new http.Agent({ keepAlive: true, maxSockets });
  }

  get(path: string, headers: http.OutgoingHttpHeaders = {}): Promise<HttpResult> {
    return this.request('GET', path, headers);
  }

  post(path: string, body: Buffer, headers: http.OutgoingHttpHeaders = {}): Promise<HttpResult> {
    return this.request('POST', path, { ...headers, 'content-length': body.length }, body);
  }

  close(): void {
    this.agent.destroy();
  }

  private request(method: string, path: string, headers: http.OutgoingHttpHeaders, body?: Buffer): Promise<HttpResult> {
    // Paths are relative to the base (no leading slash), so "/dicom-web/" prefixes survive.
    const url = new URL(path.replace(/^\//, ''), this.base);
    const start = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), ms: performance.now() - start }),
        );
        res.on('error', reject);
      });
      req.on('error', reject);
      req.setTimeout(120_000, () => req.destroy(new Error(`${method} ${url.pathname} timed out after 120 s`)));
      req.end(body);
    });
  }
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; results in index order. */
export async function pool<T>(count: number, concurrency: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
