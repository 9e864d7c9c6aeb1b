#!/usr/bin/env python3
"""Checks the engine's public API: every header in engine/include/fastformer/ is included
by a client (app/ or ui/), directly or through another public header a client includes.
A header only the engine and its white-box tests use belongs beside its .cpp."""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
public_dir = root / "engine/include/fastformer"
include = re.compile(r'#include "fastformer/([\w.]+)"')


def includes(path):
    return set(include.findall(path.read_text(errors="replace")))


public = {p.name for p in public_dir.glob("*.h")}
reached = set()
for folder in ("app", "ui"):
    for path in (root / folder).rglob("*"):
        if path.suffix in (".cpp", ".h"):
            reached |= includes(path)
todo = list(reached)
while todo:
    name = todo.pop()
    if name not in public:
        continue
    for sub in includes(public_dir / name) - reached:
        reached.add(sub)
        todo.append(sub)
unused = sorted(public - reached)
missing = sorted(reached - public)
for name in unused:
    print(f"engine/include/fastformer/{name}: public, but no client (app/, ui/) needs it; move it beside its .cpp")
for name in missing:
    print(f"fastformer/{name}: included by a client but not a public header")
print(f"{len(public)} public headers, {len(public) - len(unused)} used by clients")
sys.exit(1 if unused or missing else 0)
