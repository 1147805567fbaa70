"""Helper of wado-trailing.test.ts (pydicom, outside our code).

make SRC OUT implicit|explicit: SRC with elements after Pixel Data added: a
private group (7FE1), a Digital Signatures Sequence (FFFA,FFFA) and Data Set
Trailing Padding (FFFC,FFFC); written in the given VR encoding.

compare ORIGINAL OURS: prints one JSON line {"tags": [...], "diff": [...]}: the
elements after Pixel Data in ORIGINAL and those of them that OURS lacks or
holds with another value.
"""
import json
import sys

import pydicom
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence


def make(src, out, encoding):
    ds = pydicom.dcmread(src)
    sig = Dataset()
    sig.MACIDNumber = 1
    sig.DigitalSignatureUID = "2.25.1234567890"
    sig.DigitalSignatureDateTime = "20260101120000"
    sig.CertificateType = "X509_1993_SIG"
    sig.Signature = bytes(range(32))
    ds.DigitalSignaturesSequence = Sequence([sig])
    block = ds.private_block(0x7FE1, "TRAILING TEST", create=True)
    block.add_new(0x01, "LO", "kept after Pixel Data")
    block.add_new(0x02, "OB", bytes(range(16)))
    ds.add_new(0xFFFCFFFC, "OB", b"\0" * 64)
    ds.save_as(out, implicit_vr=encoding == "implicit", little_endian=True, enforce_file_format=True)


def trailing(ds):
    return {int(e.tag): e for e in ds if int(e.tag) > 0x7FE00010}


def same(a, b):
    if a.VR == "SQ" or b.VR == "SQ":
        return len(a.value) == len(b.value) and all(
            trailing_equal(x, y) for x, y in zip(a.value, b.value))
    return bytes_of(a) == bytes_of(b)


def trailing_equal(x, y):
    return sorted(int(e.tag) for e in x) == sorted(int(e.tag) for e in y) and all(same(x[t], y[t]) for t in (int(e.tag) for e in x))


def bytes_of(e):
    v = e.value
    return v if isinstance(v, bytes) else str(v).encode()


def compare(original, ours):
    a = trailing(pydicom.dcmread(original))
    b = trailing(pydicom.dcmread(ours))
    diff = [f"{t:08X}" for t, e in a.items() if t not in b or not same(e, b[t])]
    print(json.dumps({"tags": [f"{t:08X}" for t in a], "diff": diff}))


if __name__ == "__main__":
    {"make": make, "compare": compare}[sys.argv[1]](*sys.argv[2:])
