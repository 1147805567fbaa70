// Starts the Debian-packaged Orthanc with its DICOMweb plugin as the
// reference server: generated JSON config, SQLite index and storage in a temp
// dir, no auth, no DICOM port. Orthanc 1.10 has no HTTP bind-address option
// (it listens on every interface); "RemoteAccessAllowed": false makes it
// refuse any client that is not on loopback, and we only ever talk to
// 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildServer, freePort } from './procs.js';

const ORTHANC_BIN = process.env.ORTHANC_BIN ?? '/usr/sbin/Orthanc';
// The orthanc-dicomweb package installs it here (see `dpkg -L orthanc-dicomweb`).
const PLUGIN_CANDIDATES = ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so', '/usr/lib/orthanc/libOrthancDicomWeb.so.1.7'];

export interface RunningOrthanc {
  name: string;
  /** DICOMweb service root, e.g. http://127.0.0.1:PORT/dicom-web */
  dicomwebUrl: string;
  pid: number | undefined;
  dataDir: string;
  version: string;
  deathNote(): string | undefined;
  stop(): Promise<void>;
}

export async function startOrthanc(workDir: string): Promise<RunningOrthanc> {
  const plugin = process.env.ORTHANC_DICOMWEB_PLUGIN ?? PLUGIN_CANDIDATES.find((p) => existsSync(p));
  if (!plugin) throw new Error(`DICOMweb plugin not found in ${PLUGIN_CANDIDATES.join(', ')}; install orthanc-dicomweb`);
  const dir = join(workDir, 'orthanc');
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  // Everything else is Orthanc's default (notably StorageAccessOnFind "Always",
  // StoreMD5ForAttachments true, no compression), i.e. what users run.
  const config = {
    Name: 'bench-orthanc',
    StorageDirectory: join(dir, 'storage'),
    IndexDirectory: join(dir, 'index'),
    HttpPort: port,
    DicomServerEnabled: false,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    HttpCompressionEnabled: false, // our client does not ask for gzip anyway; keep it explicit
    Plugins: [plugin],
    DicomWeb: { Enable: true, Root: '/dicom-web/', EnableWado: true },
  };
  const configPath = join(dir, 'orthanc.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const proc = new ChildServer('orthanc', ORTHANC_BIN, [configPath], join(dir, 'orthanc.log'), { cwd: dir });
  const dicomwebUrl = `http://127.0.0.1:${port}/dicom-web`;
  try {
    // /system answers before plugins are ready; a QIDO call proves the plugin is loaded.
    await proc.waitReady(async () => {
      const res = await fetch(`${dicomwebUrl}/studies?limit=1`);
      if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
      await res.arrayBuffer();
    });
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    name: 'Orthanc', dicomwebUrl, pid: proc.pid, dataDir: dir, version: orthancVersion(),
    deathNote: () => proc.deathNote(),
    stop: () => proc.stop(),
  };
}

function orthancVersion(): string {
  try {
    return execFileSync(ORTHANC_BIN, ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
  } catch {
    return 'unknown';
  }
}
