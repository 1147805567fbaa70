"""Helper of wado-float.test.ts (pydicom + numpy, outside our code).

make OUT float|double implicit|explicit window|nowindow FRAMES:
  a Parametric Map-like image of Float Pixel Data (7FE0,0008) or Double Float
  Pixel Data (7FE0,0009): a signed gradient (negative values included) per
  frame, with or without Window Center/Width.
expect FILE FRAME OUT.png: the 8-bit rendering of FRAME (1-based) by the
  formulas of PS3.3 §C.11.2.1.2.1 (LINEAR, the file's first window, also from
  the Frame VOI LUT functional group) or, with
  no window, LINEAR_EXACT over the frame's min..max (§C.11.2.1.3.2).
values FILE OUT: the float samples, little-endian, as pydicom reads them.
"""
import sys

import numpy as np
import pydicom
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid


def make(out, kind, encoding, window, frames):
    frames = int(frames)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.30"
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ImplicitVRLittleEndian if encoding == "implicit" else ExplicitVRLittleEndian
    ds = FileDataset(out, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.Modality = "OT"
    ds.PatientName = "Float^Test"
    ds.Rows, ds.Columns = 40, 60
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.NumberOfFrames = frames
    y, x = np.mgrid[0:40, 0:60]
    stack = np.stack([(x * 0.37 - y * 0.21 + f * 3.5 - 4.0) for f in range(frames)])
    if window == "window":
        ds.WindowCenter = 2.5
        ds.WindowWidth = 12.0
    if kind == "float":
        ds.BitsAllocated = 32
        ds.FloatPixelData = stack.astype("<f4").tobytes()
    else:
        ds.BitsAllocated = 64
        ds.DoubleFloatPixelData = stack.astype("<f8").tobytes()
    ds.save_as(out, implicit_vr=encoding == "implicit", little_endian=True, enforce_file_format=True)


def frame_values(path, frame):
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array.astype(np.float64)
    return (arr if int(ds.get("NumberOfFrames", 1)) > 1 else arr[None])[int(frame) - 1], ds


def expect(path, frame, out):
    from PIL import Image
    v, ds = frame_values(path, frame)
    window = first_window(ds, int(frame))
    if window:
        c, w = window
        with np.errstate(divide="ignore", invalid="ignore"):
            y = ((v - (c - 0.5)) / (w - 1) + 0.5) * 255 if w > 1 else np.zeros_like(v)
        y = np.where(v <= c - 0.5 - (w - 1) / 2, 0, np.where(v > c - 0.5 + (w - 1) / 2, 255, y))
    else:
        lo, hi = v.min(), v.max()
        y = (v - lo) / (hi - lo) * 255
    Image.fromarray(np.clip(np.rint(y), 0, 255).astype(np.uint8), "L").save(out)


def first_window(ds, frame):
    """The window of the dataset, else of the frame's or the shared Frame VOI LUT functional group."""
    if "WindowCenter" in ds:
        return float(ds.WindowCenter), float(ds.WindowWidth)
    groups = []
    if "PerFrameFunctionalGroupsSequence" in ds:
        groups.append(ds.PerFrameFunctionalGroupsSequence[frame - 1])
    if "SharedFunctionalGroupsSequence" in ds:
        groups.append(ds.SharedFunctionalGroupsSequence[0])
    for g in groups:
        if "FrameVOILUTSequence" in g and "WindowCenter" in g.FrameVOILUTSequence[0]:
            voi = g.FrameVOILUTSequence[0]
            c, w = voi.WindowCenter, voi.WindowWidth
            return float(c[0] if isinstance(c, pydicom.multival.MultiValue) else c), float(w[0] if isinstance(w, pydicom.multival.MultiValue) else w)
    return None


def values(path, out):
    ds = pydicom.dcmread(path)
    arr = ds.pixel_array
    open(out, "wb").write(arr.astype("<f8" if arr.dtype == np.float64 else "<f4").tobytes())


if __name__ == "__main__":
    {"make": make, "expect": expect, "values": values}[sys.argv[1]](*sys.argv[2:])
