"""Flattens DICOM files with pydicom, for the de-identification tests.

Reads a JSON list of file paths on stdin and writes one JSON object per file
(a JSON list on stdout): every data element at every depth as
[path, tag, VR, value], where path names the sequence items it sits in
("0040A730[0].0040A168[0]"), and the SHA-256 of the Pixel Data value. Values
are pydicom's decoded values rendered as text; binary values as
"sha256:<hex>". pydicom is an implementation independent of ours (dcmjs).
"""
import hashlib
import json
import logging
import sys
import warnings

import pydicom
from pydicom.valuerep import PersonName

# Broken corpus files make pydicom warn on stderr; the tests read values, not warnings.
warnings.filterwarnings("ignore")
logging.getLogger("pydicom").setLevel(logging.CRITICAL)

BINARY = {"OB", "OD", "OF", "OL", "OV", "OW", "UN", "OB or OW", "US or OW", "US or SS or OW"}


def render(elem):
    value = elem.value
    if value is None:
        return ""
    if elem.VR in BINARY or isinstance(value, (bytes, bytearray)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(render_one(v) for v in value)
    return render_one(value)


def render_one(v):
    if isinstance(v, PersonName):
        return str(v)
    if type(v) is float:
        return repr(v)
    return str(v)


def walk(ds, prefix, out):
    for elem in ds:
        tag = f"{elem.tag.group:04X}{elem.tag.element:04X}"
        if tag == "7FE00010":
            continue
        path = f"{prefix}{tag}"
        if elem.VR == "SQ":
            out.append([path, tag, "SQ", str(len(elem.value))])
            for i, item in enumerate(elem.value):
                walk(item, f"{path}[{i}].", out)
            continue
        try:
            out.append([path, tag, elem.VR, render(elem)])
        except Exception as exc:  # a broken value: record that it could not be read
            out.append([path, tag, elem.VR, f"<unreadable: {type(exc).__name__}>"])


def dump(path):
    try:
        ds = pydicom.dcmread(path, force=True)
        elements = []
        walk(ds, "", elements)
        pixel = None
        if "PixelData" in ds:
            try:
                pixel = hashlib.sha256(bytes(ds.PixelData)).hexdigest()
            except Exception:
                pixel = "unreadable"
        meta = {f"{e.tag.group:04X}{e.tag.element:04X}": render(e) for e in ds.file_meta} if ds.file_meta else {}
        return {"path": path, "elements": elements, "pixel_sha256": pixel, "meta": meta}
    except Exception as exc:
        return {"path": path, "error": f"{type(exc).__name__}: {exc}"}


if __name__ == "__main__":
    paths = json.load(sys.stdin)
    json.dump([dump(p) for p in paths], sys.stdout)
