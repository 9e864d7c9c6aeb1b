#!/usr/bin/env python3
# Fails when a ctest test of the build has no TIMEOUT property: reads
# `ctest --show-only=json-v1`, so tests registered anywhere (GoogleTest discovery included)
# are covered.  Usage: timeouts.py CTEST BUILD_DIR
import json
import subprocess
import sys

ctest, build = sys.argv[1], sys.argv[2]
listing = subprocess.run([ctest, "--test-dir", build, "--show-only=json-v1"], check=True,
                         capture_output=True, text=True).stdout
tests = json.loads(listing)["tests"]
missing = []
for test in tests:
    props = {p["name"]: p["value"] for p in test.get("properties", [])}
    timeout = props.get("TIMEOUT")
    if timeout is None or float(timeout) <= 0:
        missing.append(test["name"])
if not tests:
    sys.exit("timeouts.py: ctest lists no tests in " + build)
if missing:
    print(f"{len(missing)} of {len(tests)} tests have no TIMEOUT property:")
    for name in missing:
        print("   ", name)
    sys.exit(1)
print(f"all {len(tests)} tests have a TIMEOUT")
