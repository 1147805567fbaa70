import { mapStudy } from '../../../mappings/index.js';
import { SPEC_CONTEXT, corpusFiles, readCorpus } from './helpers.js';
const ctx = { ...SPEC_CONTEXT, defaultPatientIdSystem: 'urn:example:corpus-mrn' };
for (const f of [...corpusFiles('sr'), 'broken/dwv034-sr-ruler-no-uids.dcm']) {
  const ds = readCorpus(f);
  if (!ds) { console.log('UNREADABLE', f); continue; }
  const out = mapStudy([ds], ctx);
  console.log('=====', f, 'errors', JSON.stringify(out.errors));
  console.log('warnings', out.warnings.map(w => w.code + (w.path ? '@' + w.path : '')).join(', '));
  for (const fd of out.findings) console.log(' ', fd.path, fd.findingType, fd.kind, fd.valueType, fd.conceptName, '|', fd.value ?? fd.text?.slice(0,30) ?? fd.codeMeaning, fd.unitCode ?? '', fd.code ? fd.code.system + '#' + fd.code.code : '');
  console.log(' obs', out.observations.length, 'dr', out.diagnosticReports.map(d => d.status + ' ' + JSON.stringify(d.code) + ' concl=' + JSON.stringify(d.conclusion)).join(';'), 'cond', out.conditions.length, 'dev', out.devices.length, 'bs', out.bodyStructures.length);
  console.log(out.summaryText.split('\n').slice(0,6).join(' / '));
}
