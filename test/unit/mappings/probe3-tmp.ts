import { readCorpus } from './helpers.js';
const ds = readCorpus('sr/test-SR.dcm')!;
const c = (ds['0040A730'] as any).Value[2];
console.log(JSON.stringify(c['0040A160']));
