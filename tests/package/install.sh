#!/usr/bin/env bash
# `cmake --install` into a staging prefix, then the installed programs alone: `fastformer info`
# finds the installed SentencePiece plugin and resources (not the build tree's), a subword
# tokenizer trains through that plugin, `fastformer predict` and `fastformer inspect` run the
# installed demo model on the installed sample mail, the installed Studio renders a screenshot,
# the icons and man pages are there, and the desktop entry
# validates (desktop-file-validate, from scripts/setup). Usage: install.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.out"
ff="$prefix/bin/fastformer"
fail() { echo "FAIL: $*"; exit 1; }
[[ -x $ff && -x $prefix/bin/fastformer-cli ]] || fail "bin/fastformer or bin/fastformer-cli not installed"

# One version: CMake's project(), which the Debian package takes too.
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
cli_version=$("$ff" --version)
[[ -n $version && $cli_version == "Fastformer Studio $version" ]] || fail "fastformer --version: '$cli_version', project $version"

"$ff" info >"$work/info.out"
cat "$work/info.out"
grep -q "^resources *$prefix/share/fastformer-studio$" "$work/info.out" || fail "resources are not the installed ones"
if [[ ${FF_HAVE_SENTENCEPIECE:-1} == 1 ]]; then
  grep -q "^subword tokenizer SentencePiece plugin $prefix/lib/fastformer/" "$work/info.out" ||
    fail "the SentencePiece plugin is not the installed one"
  "$ff" --threads 1 train --data "synthetic:needle?length=16&examples=64&vocab=12" --set tokenizer.kind=bpe \
    --set tokenizer.vocab_size=40 --set hidden=16 --set heads=2 --set layers=1 --set ffn=16 --set max_len=24 \
    --set batch_size=16 --set max_steps=2 --out "$work/bpe" >"$work/bpe.out" 2>&1 || { cat "$work/bpe.out"; fail "bpe training"; }
fi

"$ff" --threads 1 predict --checkpoint demo "$prefix/share/fastformer-studio/samples/spam-mail.txt" >"$work/predict.out" ||
  fail "predict with the installed demo model"
# The output is PATH<TAB>LABEL<TAB>scores: the path itself says "spam".
label=$(cut -f2 "$work/predict.out")
[[ $label == spam ]] || fail "the sample spam mail is called '$label'"
cat "$work/predict.out"

# `fastformer inspect` on the installed sample with the installed demo model: α and β per head,
# and the shaded HTML report.
"$ff" --threads 1 inspect --checkpoint demo "$prefix/share/fastformer-studio/samples/spam-mail.txt" \
  --html "$work/report.html" >"$work/inspect.out" || { cat "$work/inspect.out"; fail "inspect with the installed demo model"; }
grep -q "alpha" "$work/inspect.out" || fail "no per-head entropies in: $(cat "$work/inspect.out")"
grep -q "<span" "$work/report.html" || fail "the inspect report has no shaded tokens"

if [[ -x $prefix/bin/fastformer-studio ]]; then
  QT_QPA_PLATFORM=offscreen "$prefix/bin/fastformer-studio" --screenshot "$work/studio.png" >"$work/studio.out" 2>&1 ||
    { cat "$work/studio.out"; fail "the installed Studio"; }
  [[ -s $work/studio.png ]] || fail "no screenshot"
  studio_version=$(QT_QPA_PLATFORM=offscreen "$prefix/bin/fastformer-studio" --version 2>/dev/null)
  [[ $studio_version == "Fastformer Studio $version" ]] || fail "fastformer-studio --version: '$studio_version'"
  for f in share/applications/fastformer-studio.desktop share/icons/hicolor/scalable/apps/fastformer-studio.svg \
           share/icons/hicolor/48x48/apps/fastformer-studio.png share/icons/hicolor/256x256/apps/fastformer-studio.png \
           share/metainfo/io.github.fastformer_studio.metainfo.xml share/man/man1/fastformer-studio.1.gz; do
    [[ -s $prefix/$f ]] || fail "$f not installed"
  done
  # desktop-file-utils comes with scripts/setup.
  command -v desktop-file-validate >/dev/null || fail "desktop-file-validate is missing: run scripts/setup"
  desktop-file-validate "$prefix/share/applications/fastformer-studio.desktop" || fail "the desktop entry"
fi
gzip -t "$prefix/share/man/man1/fastformer.1.gz" || fail "man page"  # gzip -9n, as Debian asks
echo "package.install: the installed programs run from $prefix"
