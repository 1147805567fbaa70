import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import express, { Router, type Request, type Response } from 'express';

/**
 * Serves the OHIF viewer (the built dist/ of npm @ohif/app) at /viewer,
 * configured for this server's DICOMweb service (QIDO-RS, WADO-RS,
 * thumbnails). The build assumes it lives at "/", so the few files that name
 * that root (index.html, the webpack runtimes' public path, CSS urls) are
 * rewritten to /viewer/ as they are served; everything else is static.
 * @ohif/app cannot be installed as a dependency (it depends on unpublished
 * @ohif packages), so its dist/ is unpacked by test/infra/tools.sh ohif.
 */
const MOUNT = '/viewer';

export function viewerRouter(dir: string | undefined, dicomwebPath = '/dicomweb'): Router {
  const r = Router();
  if (!dir || !existsSync(join(dir, 'index.html'))) {
    r.use((_req, res) => void res.status(404).type('text/plain')
      .send('The OHIF viewer is not installed: run "bash test/infra/tools.sh ohif" and set OHIF_DIST to the directory it prints.'));
    return r;
  }
  const patched = new PatchedFiles(dir);
  r.get('/app-config.js', (_req, res) => void res.type('application/javascript').setHeader('Cache-Control', 'no-cache').send(appConfig(dicomwebPath)));
  r.get(['/', '/index.html'], (_req, res) => patched.send(res, 'index.html'));
  r.use(async (req: Request, res: Response, next) => {
    const rel = safeRelative(req.path);
    if (rel && /\.(js|css)$/.test(rel) && (await patched.send(res, rel))) return;
    next();
  });
  r.use(express.static(dir, { index: false, maxAge: '1h' }));
  // Client-side routes (/viewer/viewer?StudyInstanceUIDs=…) get the app shell.
  r.get('/*rest', (req, res, next) => (extname(req.path) ? next() : void patched.send(res, 'index.html')));
  return r;
}

/** The OHIF data source for this server; the DICOMweb root is taken from the page's own origin. */
function appConfig(dicomwebPath: string): string {
  const config = {
    routerBasename: MOUNT,
    showStudyList: true,
    extensions: [],
    modes: [],
    investigationalUseDialog: { option: 'never' },
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: false,
    maxNumberOfWebWorkers: 2,
    defaultDataSourceName: 'dicomweb',
    dataSources: [{
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: 'dicomweb',
      configuration: {
        friendlyName: 'dicomweb-fhir-server', name: 'dicomweb',
        qidoRoot: '__ROOT__', wadoRoot: '__ROOT__', wadoUriRoot: '__ROOT__',
        qidoSupportsIncludeField: true, supportsFuzzyMatching: true, supportsWildcard: true,
        imageRendering: 'wadors', thumbnailRendering: 'thumbnail', thumbnailRequestStrategy: 'fetch',
        enableStudyLazyLoad: true, staticWado: false, singlepart: 'bulkdata',
        bulkDataURI: { enabled: true }, omitQuotationForMultipartRequest: true, supportsReject: false,
      },
    }],
  };
  return `window.config = ${JSON.stringify(config, null, 2).replaceAll('"__ROOT__"', `window.location.origin + ${JSON.stringify(dicomwebPath)}`)};\n`;
}

/** Files that mention the build's root "/", rewritten once and kept in memory. */
class PatchedFiles {
  private readonly cache = new Map<string, Promise<Buffer | null>>();
  constructor(private readonly dir: string) {}

  /** Sends the patched file; false when the file needs no patch (or does not exist). */
  async send(res: Response, rel: string): Promise<boolean> {
    let entry = this.cache.get(rel);
    if (!entry) {
      entry = this.load(rel);
      this.cache.set(rel, entry);
    }
    const body = await entry;
    if (!body) return false;
    const type = rel.endsWith('.html') ? 'text/html' : rel.endsWith('.css') ? 'text/css' : 'application/javascript';
    res.type(type).setHeader('Cache-Control', rel.endsWith('.html') ? 'no-cache' : 'public, max-age=3600');
    res.end(body);
    return true;
  }

  private async load(rel: string): Promise<Buffer | null> {
    const text = await readFile(join(this.dir, rel), 'utf8').catch(() => undefined);
    if (text === undefined) return null;
    const out = rewrite(rel, text);
    return out === text ? null : Buffer.from(out);
  }
}

function rewrite(rel: string, text: string): string {
  if (rel.endsWith('.html')) {
    return text.replace(/(src|href)="\//g, `$1="${MOUNT}/`).replace(/window\.PUBLIC_URL="\/"/g, `window.PUBLIC_URL="${MOUNT}/"`);
  }
  if (rel.endsWith('.css')) return text.replace(/url\(\//g, `url(${MOUNT}/`);
  return text.replace(/__webpack_require__\.p = "\/"/g, `__webpack_require__.p = "${MOUNT}/"`);
}

/** A request path as a path inside the dist folder, or undefined when it would leave it. */
function safeRelative(p: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(p);
  } catch {
    return undefined; // malformed escapes: let the static handler answer 404
  }
  const rel = normalize(decoded).replace(/^[/\\]+/, '');
  if (!rel || rel.startsWith('..') || rel.includes(`..${sep}`)) return undefined;
  return rel;
}
