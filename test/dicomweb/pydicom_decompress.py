"""SRC decoded by pydicom (pylibjpeg / pylibjpeg-openjpeg, outside our code) and
written to OUT as Explicit VR Little Endian: a reference decode for tests.
With STORABLE, also writes SRC there with the Study and Series Instance UIDs
it lacks (derived from its SOP Instance UID; Pixel Data untouched), for files
DCMTK's dcmodify cannot rewrite (e.g. HTJ2K, a syntax it does not know).

usage: pydicom_decompress.py SRC OUT [STORABLE]
"""
import sys

import pydicom
from pydicom.uid import generate_uid

ds = pydicom.dcmread(sys.argv[1])
if len(sys.argv) > 3:
    src = pydicom.dcmread(sys.argv[1])
    for keyword, n in (("StudyInstanceUID", "1"), ("SeriesInstanceUID", "2")):
        if keyword not in src:
            setattr(src, keyword, generate_uid(entropy_srcs=[str(src.SOPInstanceUID), n]))
    src.save_as(sys.argv[3])
ds.decompress()
ds.save_as(sys.argv[2])
