"""Runs the PyPI `deid` package (pydicom/deid) with its default recipe on
DICOM files, as an independent implementation to compare ours with.

Reads a JSON list of paths on stdin; writes, per file, which attributes deid
removed and which it changed (paths as in dump_datasets.py), or the error.
"""
import json
import logging
import sys

logging.disable(logging.CRITICAL)

import pydicom  # noqa: E402
from deid.dicom import replace_identifiers  # noqa: E402

from dump_datasets import walk  # noqa: E402


def flat(ds):
    out = []
    walk(ds, "", out)
    return {e[0]: e for e in out}


def compare(path):
    try:
        before = flat(pydicom.dcmread(path, force=True))
        after_ds = replace_identifiers(dicom_files=[path], save=False, remove_private=True)[0]
        after = flat(after_ds)
    except Exception as exc:
        return {"path": path, "error": f"{type(exc).__name__}: {exc}"}
    removed = [p for p in before if p not in after]
    changed = [p for p in before if p in after and after[p][3] != before[p][3]]
    return {"path": path, "removed": removed, "changed": changed}


if __name__ == "__main__":
    sys.path.insert(0, __file__.rsplit("/", 1)[0])
    json.dump([compare(p) for p in json.load(sys.stdin)], sys.stdout)
