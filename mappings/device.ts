/**
 * Device (spec 6.5): the algorithm, device observer or SR equipment behind an Observation.
 */
import { createHash } from 'node:crypto';
import type { ResolvedContext } from './context.js';
import { type DicomDataset, isValidUid, str, strs } from './dicom-json.js';
import type { Device, DeviceName } from './fhir-r4.js';
import { type ResourceKey, dicomUidIdentifier, fullUrlFor, provenanceMeta } from './identifiers.js';
import { TAG } from './tags.js';

export interface DeviceInfo {
  uid?: string;
  /** Algorithm Name (111001) or Device Observer Name (121013). */
  name?: string;
  /** Manufacturer's Model Name (0008,1090) / Device Observer Model Name (121015). */
  model?: string;
  manufacturer?: string;
  serial?: string;
  version?: string[];
}

export interface MappedDevice {
  resource: Device;
  key: ResourceKey;
  fullUrl: string;
}

/** SR General Equipment (PS3.3 C.7.5.1) as a device, when it identifies one. */
export function equipmentDevice(ds: DicomDataset): DeviceInfo | undefined {
  const info: DeviceInfo = {
    uid: str(ds, TAG.DeviceUID),
    manufacturer: str(ds, TAG.Manufacturer),
    model: str(ds, TAG.ManufacturerModelName),
    serial: str(ds, TAG.DeviceSerialNumber),
    version: strs(ds, TAG.SoftwareVersions),
  };
  return info.uid || info.manufacturer || info.model ? info : undefined;
}

function deviceKey(info: DeviceInfo, cfg: ResolvedContext): ResourceKey {
  if (isValidUid(info.uid)) {
    const id = dicomUidIdentifier(info.uid);
    return { resourceType: 'Device', system: id.system!, value: id.value! };
  }
  // No UID: a stable hash of what identifies the device (spec 6.5). The serial number only
  // contributes in identified mode so de-identified keys do not encode it.
  const serial = cfg.deidentified ? '' : info.serial ?? '';
  const material = [info.manufacturer, info.model, serial, info.name, (info.version ?? []).join('\\')].map((s) => s ?? '').join('|');
  return { resourceType: 'Device', system: `${cfg.identifierBase}/device`, value: createHash('sha256').update(material, 'utf8').digest('hex') };
}

export function toDevice(info: DeviceInfo, source: string, cfg: ResolvedContext): MappedDevice {
  const key = deviceKey(info, cfg);
  const names: DeviceName[] = [];
  if (info.name) names.push({ name: info.name, type: 'user-friendly-name' });
  // R4 DeviceNameType has a dedicated code for model names.
  if (info.model) names.push({ name: info.model, type: 'model-name' });
  const resource: Device = {
    resourceType: 'Device',
    meta: provenanceMeta(cfg, source),
    identifier: [{ system: key.system, value: key.value }],
    ...(info.manufacturer ? { manufacturer: info.manufacturer } : {}),
    ...(info.serial && !cfg.deidentified ? { serialNumber: info.serial } : {}),
    ...(names.length > 0 ? { deviceName: names } : {}),
    ...(info.version && info.version.length > 0 ? { version: info.version.map((value) => ({ value })) } : {}),
  };
  return { resource, key, fullUrl: fullUrlFor(key, cfg) };
}
