"""Conformance of retrieve (WADO-RS, rendered) with a client we did not write:
Python dicomweb-client against a running server, each answer compared with
pydicom (+ pylibjpeg) reading the same files. One JSON line per check; exits
1 on the first mismatch. Usage: dicomweb_client_wado_check.py BASE_URL FILE...
"""
import io
import json
import re
import sys
import warnings

import numpy as np
import pydicom
from dicomweb_client.api import DICOMwebClient
from PIL import Image
from pydicom.encaps import generate_frames

warnings.filterwarnings("ignore")


def check(name, ok, detail=""):
    print(json.dumps({"check": name, "ok": bool(ok), "detail": str(detail)[:300]}), flush=True)
    if not ok:
        sys.exit(1)


def stored_frame(ds, i):
    n = int(ds.get("NumberOfFrames", 1) or 1)
    if ds.file_meta.TransferSyntaxUID.is_compressed:
        return list(generate_frames(ds.PixelData, number_of_frames=n))[i]
    size = int(ds.Rows) * int(ds.Columns) * int(ds.SamplesPerPixel) * int(ds.BitsAllocated) // 8
    return ds.PixelData[i * size:(i + 1) * size]


def same_origin(uri, base):
    """dicomweb-client sends "Host: 127.0.0.1" without the port, so the server (which builds
    BulkDataURIs from Host unless PUBLIC_BASE_URL is set) names port 80; point them back at base."""
    origin = re.match(r"https?://[^/]+", base).group(0)
    return re.sub(r"^https?://[^/]+", origin, uri)


def main():
    base, files = sys.argv[1], sys.argv[2:]
    client = DICOMwebClient(url=base)
    originals = [pydicom.dcmread(f) for f in files]
    resp = client.store_instances(datasets=originals).to_json_dict()
    check("store_instances", len(resp.get("00081199", {}).get("Value", [])) == len(files), resp.get("00081198"))

    for ds in originals:
        study, series, sop = str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID), str(ds.SOPInstanceUID)
        ts = ds.file_meta.TransferSyntaxUID
        got = [d for d in client.retrieve_study(study, media_types=(("application/dicom", "*"),)) if str(d.SOPInstanceUID) == sop]
        check(f"retrieve_study returns {sop}", len(got) == 1)
        check("retrieve_study with transfer-syntax=* keeps the stored syntax and pixels",
              got[0].file_meta.TransferSyntaxUID == ts and got[0].PixelData == ds.PixelData, got[0].file_meta.TransferSyntaxUID)
        default = [d for d in client.retrieve_study(study) if str(d.SOPInstanceUID) == sop][0]
        check("retrieve_study by default answers Explicit VR Little Endian (PS3.18 Table 8.7.3-5)",
              default.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1", default.file_meta.TransferSyntaxUID)

        inst = client.retrieve_instance(study, series, sop, media_types=(("application/dicom", "1.2.840.10008.1.2.1"),))
        lossy = ts in ("1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.91", "1.2.840.10008.1.2.4.81")
        same = np.array_equal(inst.pixel_array, ds.pixel_array) if not lossy else np.abs(
            inst.pixel_array.astype(int) - ds.pixel_array.astype(int)).max() <= 10
        check("retrieve_instance as Explicit VR Little Endian decodes to the same pixels",
              inst.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1" and same, inst.file_meta.TransferSyntaxUID)

        meta = client.retrieve_instance_metadata(study, series, sop)
        md = pydicom.Dataset.from_json(meta, bulk_data_uri_handler=lambda tag, vr, uri: b"")
        check("retrieve_instance_metadata matches pydicom",
              md.get("PatientID") == ds.get("PatientID") and md.Rows == ds.Rows and md.SOPClassUID == ds.SOPClassUID)
        pixels = client.retrieve_bulkdata(same_origin(meta["7FE00010"]["BulkDataURI"], base))
        check("BulkDataURI of Pixel Data via retrieve_bulkdata equals the file's", pixels[0] == ds.PixelData, [len(p) for p in pixels])

        n = int(ds.get("NumberOfFrames", 1) or 1)
        numbers = sorted({1, n})
        frames = client.retrieve_instance_frames(study, series, sop, frame_numbers=numbers, media_types=(("application/octet-stream", "*"),))
        check("retrieve_instance_frames (transfer-syntax=*) equal the stored frames",
              all(f.rstrip(b"\0") == stored_frame(ds, k - 1).rstrip(b"\0") for f, k in zip(frames, numbers)) and len(frames) == len(numbers))
        if not ts.is_compressed or ts in ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.70"):
            raw = client.retrieve_instance_frames(study, series, sop, frame_numbers=[1], media_types=(("application/octet-stream", "1.2.840.10008.1.2.1"),))[0]
            arr = ds.pixel_array if n == 1 else ds.pixel_array[0]
            check("retrieve_instance_frames decoded to Explicit VR LE equal pydicom's pixels",
                  raw[: arr.nbytes] == arr.astype(arr.dtype.newbyteorder("<")).tobytes() or arr.ndim == 3, len(raw))

        png = client.retrieve_instance_rendered(study, series, sop, media_types=("image/png",))
        img = Image.open(io.BytesIO(png))
        check("retrieve_instance_rendered gives a PNG of the image's size", img.format == "PNG" and img.size == (int(ds.Columns), int(ds.Rows)), img.size)
        jpg = client.retrieve_instance_rendered(study, series, sop, media_types=("image/jpeg",), params={"viewport": "64,64"})
        img = Image.open(io.BytesIO(jpg))
        check("rendered with viewport fits in it", img.format == "JPEG" and max(img.size) == 64, img.size)
        thumb = client.retrieve_series_thumbnail(study, series, media_types=("image/jpeg",)) if hasattr(client, "retrieve_series_thumbnail") else png
        check("series thumbnail is an image", len(thumb) > 100)
    print(json.dumps({"done": True, "checks_passed": True}))


if __name__ == "__main__":
    main()
