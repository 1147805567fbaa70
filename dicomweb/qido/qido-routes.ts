import type { Router } from 'express';
import type { DicomwebContext } from '../context.js';
import { handleSearch, type QidoDeps } from './qido-handler.js';

/** The six QIDO-RS resources (PS3.18 §10.6.1), mounted on a router (identified or de-identified). */
export function mountQido(r: Router, deps: QidoDeps, ctx: DicomwebContext): void {
  const search = (level: 'study' | 'series' | 'instance') => handleSearch(level, deps, ctx);
  r.get('/studies', search('study'));
  r.get('/series', search('series'));
  r.get('/instances', search('instance'));
  r.get('/studies/:study/series', search('series'));
  r.get('/studies/:study/instances', search('instance'));
  r.get('/studies/:study/series/:series/instances', search('instance'));
}
