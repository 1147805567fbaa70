// A real HAPI FHIR R4 server (HAPI JPA on an H2 file database, embedded Jetty; see
// test/hapi/src/main/java/dicomweb/hapi/ServerMain.java) for push tests.
//
//   const dataDir = mkdtempSync(...);
//   let hapi = await startHapiServer({ dataDir });        // hapi.baseUrl = http://127.0.0.1:<port>/fhir
//   ... push transaction Bundles to hapi.baseUrl ...
//   await hapi.stop();                                     // SIGTERM: clean H2 shutdown
//   hapi = await startHapiServer({ dataDir, port: hapi.port }); // same data, same URL
//
// Without dataDir a fresh temp dir is used and removed by stop() (so no restart).
// Start-up takes ~30 s of CPU (Spring + Hibernate); stop() a few seconds.
// The log (JVM + HAPI) is appended to <dataDir>/hapi-server.log.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hapiToolsDir, JavaTool } from './java.js';

export interface HapiServer {
  /** FHIR base URL, http://127.0.0.1:<port>/fhir */
  baseUrl: string;
  port: number;
  dataDir: string;
  /** SIGTERM and wait for the JVM to exit (HAPI/H2 shut down cleanly). */
  stop(): Promise<void>;
  /** SIGKILL: an abrupt crash. Committed transactions survive it (H2 WRITE_DELAY=0). */
  kill(): Promise<void>;
}

export async function startHapiServer(
  opts: { dataDir?: string; port?: number; timeoutMs?: number } = {},
): Promise<HapiServer> {
  const tools = await hapiToolsDir();
  const ownDir = !opts.dataDir;
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : mkdtempSync(join(tmpdir(), 'dicomweb-hapi-server-'));
  mkdirSync(dataDir, { recursive: true });
  const proc = new JavaTool(
    'HAPI FHIR server',
    join(tools, 'server.args'),
    [dataDir, String(opts.port ?? 0)], // 0: any free port, reported back on stdout
    join(dataDir, 'hapi-server.log'),
    dataDir,
  );
  let port: number;
  try {
    port = await proc.ready(async (p) => {
      const res = await fetch(`http://127.0.0.1:${p}/fhir/metadata`, { headers: { accept: 'application/fhir+json' } });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`metadata: HTTP ${res.status}`);
    }, opts.timeoutMs ?? 480_000);
  } catch (err) {
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    baseUrl: `http://127.0.0.1:${port}/fhir`,
    port,
    dataDir,
    async stop(): Promise<void> {
      await proc.stop();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill(): Promise<void> {
      await proc.stop(0);
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
