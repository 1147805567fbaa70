"""Conformance check with clients we did not write: Python dicomweb-client
stores corpus files and searches them; every answer is compared with what
pydicom reads from the same files. Prints one JSON line per check; exits 1
on the first mismatch. Usage: dicomweb_client_check.py BASE_URL FILE...
"""
import json
import sys

import pydicom
from dicomweb_client.api import DICOMwebClient


def check(name, ok, detail=""):
    print(json.dumps({"check": name, "ok": bool(ok), "detail": str(detail)[:300]}), flush=True)
    if not ok:
        sys.exit(1)


def value(ds_json, tag):
    v = ds_json.get(tag, {}).get("Value")
    return v[0] if v else None


def main():
    base, files = sys.argv[1], sys.argv[2:]
    client = DICOMwebClient(url=base)
    datasets = [pydicom.dcmread(f) for f in files]

    resp = client.store_instances(datasets=datasets).to_json_dict()
    stored = {value(i, "00081155") for i in resp.get("00081199", {}).get("Value", [])}
    check("store_instances stores every file", stored == {str(d.SOPInstanceUID) for d in datasets}, stored)

    for ds in datasets:
        study = str(ds.StudyInstanceUID)
        found = client.search_for_studies(search_filters={"StudyInstanceUID": study})
        check(f"search_for_studies by UID {study}", len(found) == 1, found)
        s = found[0]
        want_name = str(ds.get("PatientName", "") or "")
        got_name = (value(s, "00100010") or {}).get("Alphabetic", "") if value(s, "00100010") else ""
        check("PatientName as pydicom reads it", got_name == want_name, f"{got_name!r} vs {want_name!r}")
        check("PatientID as pydicom reads it", (value(s, "00100020") or "") == str(ds.get("PatientID", "") or ""), value(s, "00100020"))
        want_count = sum(1 for d in datasets if str(d.StudyInstanceUID) == study)
        check("NumberOfStudyRelatedInstances", value(s, "00201208") == want_count, value(s, "00201208"))

        series = client.search_for_series(study_instance_uid=study, search_filters={"Modality": str(ds.Modality)})
        check("search_for_series by Modality", str(ds.SeriesInstanceUID) in {value(x, "0020000E") for x in series}, series)
        inst = client.search_for_instances(
            study_instance_uid=study, series_instance_uid=str(ds.SeriesInstanceUID),
            search_filters={"SOPInstanceUID": str(ds.SOPInstanceUID)}, fields=["all"])
        check("search_for_instances by SOPInstanceUID", len(inst) == 1, inst)
        i = inst[0]
        check("SOPClassUID as pydicom reads it", value(i, "00080016") == str(ds.SOPClassUID), value(i, "00080016"))
        if "Rows" in ds:
            check("Rows as pydicom reads it", value(i, "00280010") == int(ds.Rows), value(i, "00280010"))

    named = [d for d in datasets if str(d.get("PatientName", "") or "")]
    if named:
        ds = named[0]
        family = str(ds.PatientName).split("^")[0]
        hits = client.search_for_studies(search_filters={"PatientName": f"*{family.lower()[1:4]}*"})
        check("wildcard PatientName, case-insensitive", str(ds.StudyInstanceUID) in {value(h, "0020000D") for h in hits}, family)
        hits = client.search_for_studies(search_filters={"PatientName": family[:2]}, fuzzymatching=True)
        check("fuzzy PatientName", str(ds.StudyInstanceUID) in {value(h, "0020000D") for h in hits}, family)

    studies = {str(d.StudyInstanceUID) for d in datasets}
    page1 = client.search_for_studies(limit=2, offset=0, fields=["StudyDescription"])
    page2 = client.search_for_studies(limit=100, offset=2)
    got = {value(s, "0020000D") for s in page1} | {value(s, "0020000D") for s in page2}
    check("limit/offset pages cover every study once", got == studies and len(page1) == min(2, len(studies)), got)
    dated = [d for d in datasets if d.get("StudyDate")]
    if dated:
        d = str(dated[0].StudyDate)
        hits = client.search_for_studies(search_filters={"StudyDate": f"{d}-{d}"})
        check("StudyDate range", str(dated[0].StudyInstanceUID) in {value(h, "0020000D") for h in hits}, d)
    print(json.dumps({"done": True, "checks_passed": True}))


if __name__ == "__main__":
    main()
