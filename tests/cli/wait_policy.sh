#!/usr/bin/env bash
# OpenMP runs with OMP_WAIT_POLICY=PASSIVE when the user set none (libgomp then reports a
# spin count of 0: the `fastformer` launcher sets it before fastformer-cli loads LibTorch,
# and fastformer-cli run directly re-executes itself once to set it), and an explicit value
# is kept, in one start. libgomp prints its settings at start with OMP_DISPLAY_ENV=verbose.
set -euo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

env -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=verbose "$FASTFORMER" info >"$work/unset.txt" 2>&1
if ! grep -q "OPENMP DISPLAY ENVIRONMENT BEGIN" "$work/unset.txt"; then
  echo "this LibTorch does not use libgomp (no OpenMP report): skipped"
  exit 77
fi
last=$(grep "GOMP_SPINCOUNT" "$work/unset.txt" | tail -n 1)
[[ $last == *"'0'"* ]] || fail "OpenMP spins when OMP_WAIT_POLICY is unset: $last"

OMP_WAIT_POLICY=ACTIVE OMP_DISPLAY_ENV=verbose "$FASTFORMER" info >"$work/active.txt" 2>&1
starts=$(grep -c "OPENMP DISPLAY ENVIRONMENT BEGIN" "$work/active.txt")
[[ $starts == 1 ]] || fail "with OMP_WAIT_POLICY set the program started $starts times"
grep -q "OMP_WAIT_POLICY = 'ACTIVE'" "$work/active.txt" || fail "an explicit OMP_WAIT_POLICY=ACTIVE was not kept"
# Through the launcher the command line starts once (no re-execution); run directly it
# still ends passive.
starts=$(grep -c "OPENMP DISPLAY ENVIRONMENT BEGIN" "$work/unset.txt")
[[ $starts == 1 ]] || fail "through the launcher, with OMP_WAIT_POLICY unset, the program started $starts times"
cli="$(dirname "$FASTFORMER")/fastformer-cli"
env -u OMP_WAIT_POLICY OMP_DISPLAY_ENV=verbose "$cli" info >"$work/direct.txt" 2>&1
last=$(grep "GOMP_SPINCOUNT" "$work/direct.txt" | tail -n 1)
[[ $last == *"'0'"* ]] || fail "fastformer-cli run directly spins: $last"
echo "OpenMP: passive when unset (one start through the launcher); an explicit value kept, in one start"
