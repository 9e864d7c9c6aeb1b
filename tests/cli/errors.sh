#!/usr/bin/env bash
# Bad input to the CLI: each case must exit non-zero with exactly one clear line on stderr.
set -uo pipefail
work=$1
rm -rf "$work" && mkdir -p "$work"
failures=0

source "$(dirname "$0")/expect_error.sh"

ff=("$FASTFORMER" --threads 1)
"${ff[@]}" init --set hidden=16 --set heads=2 --set max_len=8 --vocab-size 20 --out "$work/ckpt" >/dev/null

printf '3 4 5\n6 x 7\n' >"$work/word.ids"
printf '3 4 5\n\n6 7\n' >"$work/blank.ids"
printf '3 4 5\n6 7 25\n' >"$work/range.ids"
printf '3 4 5 6 7 8 9 10 11\n' >"$work/long.ids"
: >"$work/empty.ids"

expect_error not_an_id "word\.ids:2: 'x' is not a token id" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/word.ids" --out "$work/o.st"
expect_error blank_line "blank\.ids:2: empty line" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/blank.ids" --out "$work/o.st"
expect_error out_of_range "range\.ids:2: token id 25 is outside the vocabulary" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/range.ids" --out "$work/o.st"
expect_error too_long "longer than max_len 8" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/long.ids" --out "$work/o.st"
expect_error empty_file "no sequences" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/empty.ids" --out "$work/o.st"
expect_error missing_file "cannot open" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/nope.ids" --out "$work/o.st"
expect_error no_checkpoint "config\.json" -- "${ff[@]}" forward --checkpoint "$work/nope" --ids-file "$work/word.ids" --out "$work/o.st"
expect_error indivisible "not divisible by heads" -- "${ff[@]}" init --set hidden=10 --set heads=3 --out "$work/bad1"
expect_error unknown_key "unknown key 'hiden'" -- "${ff[@]}" init --set hiden=10 --out "$work/bad2"
expect_error bad_enum "is not one of per_head\|head_mixing" -- "${ff[@]}" init --set score=mixed --out "$work/bad3"
expect_error no_cuda "CUDA|cuda:7" -- "${ff[@]}" forward --checkpoint "$work/ckpt" --ids-file "$work/word.ids" --out "$work/o.st" --device cuda:7

# A failed run must not leave a half-written output or checkpoint behind.
[[ ! -e "$work/o.st" && ! -e "$work/bad1" ]] || { echo "FAIL: a failed command left files"; failures=$((failures + 1)); }

echo "cli errors: $failures failures"
exit $((failures > 0))
