# Sourced by the CLI test scripts: `expect_error NAME PATTERN -- COMMAND...` runs COMMAND
# and checks a non-zero exit with exactly one stderr line matching PATTERN; a failure is
# printed and counted in $failures. Needs $work (a scratch folder).
expect_error() {
  local name=$1 pattern=$2
  shift 3
  "$@" >"$work/$name.out" 2>"$work/$name.err"
  local rc=$? lines
  lines=$(wc -l <"$work/$name.err")
  if [[ $rc -eq 0 || $lines -ne 1 ]] || ! grep -Eq "$pattern" "$work/$name.err"; then
    echo "FAIL $name: rc=$rc, $lines stderr lines, expected /$pattern/:"
    cat "$work/$name.err"
    failures=$((failures + 1))
  else
    echo "ok   $name: $(cat "$work/$name.err")"
  fi
}
