import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { STOW_TYPE } from '../helpers/multipart.js';
import { startChildServer, type ChildServer } from './support/child-server.js';

/**
 * Slow and stalled clients against the real server (child process) with
 * short timeouts: each is cut off with a 408 (431 for oversize headers)
 * naming the limit, and the server keeps answering everyone else quickly.
 */
// Generous enough that a loaded CI machine still serves normal requests well inside it.
const HEADERS_MS = 2500;
const REQUEST_MS = 3000;
const IDLE_MS = 1000;

let server: ChildServer;
let dataDir: string;
let port: number;
before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dicomweb-timeouts-'));
  server = await startChildServer({
    DATA_DIR: dataDir,
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    HTTP_IDLE_TIMEOUT_MS: String(IDLE_MS),
    HTTP_MAX_HEADER_BYTES: '8192',
  });
  port = Number(new URL(server.url).port);
});
after(async () => {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
});

interface RawReply {
  text: string;
  status?: number;
  ms: number;
}

/** Opens a raw connection, lets `drive` write to it, and collects what comes back until it closes. */
function raw(drive: (s: Socket, closed: () => boolean) => Promise<void>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const s = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    s.setEncoding('latin1');
    s.on('data', (d: string) => (text += d));
    s.on('error', () => {}); // a reset after the reply is expected
    s.on('close', () => {
      closed = true;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : undefined, ms: performance.now() - started });
    });
    s.on('connect', () => void drive(s, () => closed).catch(reject));
  });
}

async function quickGet(): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${server.url}/dicomweb/studies`);
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  return performance.now() - t0;
}

test('slowloris: 100 connections dribbling headers get 408 naming HTTP_HEADERS_TIMEOUT_MS; others are served meanwhile', async () => {
  const clients = Array.from({ length: 100 }, () => raw(async (s, closed) => {
    s.write('GET /dicomweb/studies HTTP/1.1\r\nHost: x\r\n');
    for (let i = 0; !closed() && i < 100; i++) {
      await sleep(200);
      if (!closed()) s.write(`X-Dribble-${i}: y\r\n`);
    }
  }));
  await sleep(300);
  const served = [await quickGet(), await quickGet(), await quickGet()];
  // Served while the dribblers are still connected: not queued behind them until they are cut.
  assert.ok(Math.max(...served) < HEADERS_MS, `a normal request took ${served.map(Math.round)} ms`);
  const replies = await Promise.all(clients);
  for (const r of replies) {
    assert.equal(r.status, 408, r.text.slice(0, 200));
    assert.match(r.text, new RegExp(`HTTP_HEADERS_TIMEOUT_MS=${HEADERS_MS} exceeded`));
    assert.ok(r.ms < HEADERS_MS + 2000, `cut after ${Math.round(r.ms)} ms`);
  }
});

test('a STOW body that stops arriving gets 408 naming HTTP_IDLE_TIMEOUT_MS', async () => {
  const r = await raw(async (s) => {
    s.write(`POST /dicomweb/studies HTTP/1.1\r\nHost: x\r\nContent-Type: ${STOW_TYPE}\r\nContent-Length: 100000\r\n\r\n`);
    s.write('--dicomweb-test-boundary-7d1f\r\nContent-Type: application/dicom\r\n\r\n');
    s.write(Buffer.alloc(1000));
  });
  assert.equal(r.status, 408, r.text.slice(0, 300));
  assert.match(r.text, /Content-Type: application\/dicom\+json/);
  assert.match(r.text, /HTTP_IDLE_TIMEOUT_MS=1000 exceeded/);
  assert.ok(r.ms < IDLE_MS + 1500, `cut after ${Math.round(r.ms)} ms`);
});

test('a body dribbled slower than the request timeout gets 408 naming HTTP_REQUEST_TIMEOUT_MS', async () => {
  const r = await raw(async (s, closed) => {
    s.write(`POST /dicomweb/studies HTTP/1.1\r\nHost: x\r\nContent-Type: ${STOW_TYPE}\r\nContent-Length: 100000\r\n\r\n`);
    for (let i = 0; !closed() && i < 200; i++) {
      s.write(Buffer.alloc(50));
      await sleep(300);
    }
  });
  assert.equal(r.status, 408, r.text.slice(0, 300));
  assert.match(r.text, /HTTP_REQUEST_TIMEOUT_MS=3000 exceeded/);
  assert.ok(r.ms >= REQUEST_MS - 100 && r.ms < REQUEST_MS + 2000, `cut after ${Math.round(r.ms)} ms`);
});

test('headers over HTTP_MAX_HEADER_BYTES get 431 naming it', async () => {
  const r = await raw(async (s) => {
    s.write(`GET /dicomweb/studies HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(10_000)}\r\n\r\n`);
  });
  assert.equal(r.status, 431);
  assert.match(r.text, /HTTP_MAX_HEADER_BYTES=8192 exceeded/);
});

test('a connection that sends nothing is closed; a garbage request line is a 400', async () => {
  const silent = await raw(async () => {});
  assert.ok(silent.ms < HEADERS_MS + 2000, `closed after ${Math.round(silent.ms)} ms`);
  const garbage = await raw(async (s) => void s.write('HELLO\x00WORLD\r\n\r\n'));
  assert.equal(garbage.status, 400);
});

test('after all that the server is healthy and a request that takes its time is not cut', async () => {
  assert.equal(server.child.exitCode, null);
  assert.ok((await quickGet()) < 1000);
  const res = await fetch(`${server.url}/readyz`);
  assert.equal(res.status, 200);
});
