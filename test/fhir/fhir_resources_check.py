"""Parses FHIR responses of our server with fhir.resources (FHIR R4 4.0.1 models,
pydantic validation): a client we did not write. Usage: fhir_resources_check.py BASE PATH...
Follows every `next` link. Prints one JSON line per response, then {"done": true, ...}."""
import json
import sys

import requests
from fhir.resources import __fhir_version__, construct_fhir_element

base, paths = sys.argv[1].rstrip("/"), sys.argv[2:]
assert __fhir_version__ == "4.0.1", __fhir_version__
session = requests.Session()
failures = 0
parsed = 0

for path in paths:
    url = base + path
    while url:
        response = session.get(url, headers={"Accept": "application/fhir+json"})
        body = response.json()
        line = {"url": url[len(base):], "status": response.status_code, "resourceType": body.get("resourceType")}
        try:
            model = construct_fhir_element(body["resourceType"], body)
            line["ok"] = True
            entries = getattr(model, "entry", None) or []
            line["entries"] = len(entries)
            # every entry's resource became its own R4 model class
            line["entryTypes"] = sorted({type(e.resource).__name__ for e in entries if e.resource is not None})
            parsed += 1 + len(entries)
            url = next((l.url for l in (getattr(model, "link", None) or []) if l.relation == "next"), None)
        except Exception as e:  # pydantic.ValidationError and friends
            failures += 1
            line["ok"] = False
            line["error"] = str(e)[:2000]
            url = None
        print(json.dumps(line), flush=True)

print(json.dumps({"done": True, "parsed": parsed, "failures": failures}))
