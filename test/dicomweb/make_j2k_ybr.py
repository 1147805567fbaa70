"""Helper of wado-ybr-transcode.test.ts: a JPEG 2000 copy of an RGB image
with the multi-component transform (OpenJPEG via pylibjpeg-openjpeg), labelled
YBR_RCT (lossless, .90) or YBR_ICT (lossy, .91) as PS3.5 §A.4.4 requires.

usage: make_j2k_ybr.py SRC OUT rct|ict REF
REF: OUT decoded by pydicom (pylibjpeg-openjpeg), as RGB Explicit VR Little Endian.
"""
import sys

import openjpeg
import pydicom
from pydicom.encaps import encapsulate
from pydicom.uid import JPEG2000, JPEG2000Lossless

src, out, kind, ref = sys.argv[1:5]
ds = pydicom.dcmread(src)
ratios = {"compression_ratios": [8]} if kind == "ict" else {}
codestream = openjpeg.encode(ds.pixel_array, photometric_interpretation=1, use_mct=True, **ratios)
cod = codestream.find(b"\xff\x52")
assert codestream[cod + 8] == 1, "the codestream must use the multi-component transform"
ds.PixelData = encapsulate([codestream])
ds["PixelData"].VR = "OB"
ds.PhotometricInterpretation = "YBR_ICT" if kind == "ict" else "YBR_RCT"
ds.file_meta.TransferSyntaxUID = JPEG2000 if kind == "ict" else JPEG2000Lossless
ds.save_as(out)

decoded = pydicom.dcmread(out)
decoded.decompress()
assert decoded.PhotometricInterpretation == "RGB"
decoded.save_as(ref)
