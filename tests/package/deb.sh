#!/usr/bin/env bash
# The Debian package on this system: scripts/package builds it, `apt-get install` installs it
# with what it depends on, the installed programs run from /usr/bin (versions, `fastformer
# info` finding /usr/lib/fastformer and /usr/share/fastformer-studio, the demo model on the
# sample mail, a Studio screenshot, the desktop entry), then `apt-get purge` must leave none
# of its files and none of the folders it created. It installs a system package, so CI runs it
# (.ci/run) and scripts/test does not. Needs root or sudo. Usage: deb.sh [WORK_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-$root/build/package-deb}
cd "$root"
rm -rf "$work" && mkdir -p "$work"
sudo=()
if [[ $(id -u) -ne 0 ]]; then sudo=(sudo); fi
checks=0
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { checks=$((checks + 1)); echo "ok: $*"; }

echo "== scripts/package"
./scripts/package >"$work/package.out" 2>&1 || { cat "$work/package.out"; fail "scripts/package"; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' build/CMakeCache.txt)
[[ -n $version ]] || fail "no CMAKE_PROJECT_VERSION in build/CMakeCache.txt"
deb=$root/build/fastformer-studio_${version}_amd64.deb
[[ -s $deb ]] || fail "$deb was not made"
deb_version=$(dpkg-deb --field "$deb" Version)
[[ $deb_version == "$version" ]] || fail "package version $deb_version, project version $version"
pass "$(basename "$deb"), $(stat -c %s "$deb") bytes, version $deb_version"
dpkg-deb --field "$deb" Depends >"$work/depends"
echo "Depends: $(cat "$work/depends")"
# The dlopened SentencePiece plugin is seen by dpkg-shlibdeps too.
grep -q "libsentencepiece0" "$work/depends" || fail "libsentencepiece0 is not in Depends"
pass "Depends names libsentencepiece0"

# Which of the package's folders are there before it: those stay after the purge.
dpkg-deb --fsys-tarfile "$deb" >"$work/data.tar"
tar -tf "$work/data.tar" >"$work/contents"
: >"$work/dirs-before"
while IFS= read -r entry; do
  path=${entry#.}
  path=${path%/}
  if [[ -n $path && -d $path ]]; then echo "$path" >>"$work/dirs-before"; fi
done <"$work/contents"

installed=0
cleanup() {
  if ((installed)); then
    echo "deb.sh: purging fastformer-studio after a failure" >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y fastformer-studio >"$work/purge.out" 2>&1 ||
      { cat "$work/purge.out" >&2; echo "deb.sh: the purge failed too" >&2; }
  fi
}
trap cleanup EXIT

echo "== apt-get install $deb"
installed=1
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "$deb" >"$work/install.out" 2>&1 ||
  { cat "$work/install.out"; fail "apt-get install"; }
status=$(dpkg-query -W -f='${Status} ${Version}' fastformer-studio)
[[ $status == "install ok installed $version" ]] || fail "dpkg says: $status"
pass "installed: $status"
dpkg -L fastformer-studio >"$work/files"

# The installed programs, from a folder outside the checkout and with no FF_ override.
cd "$work"
unset FF_RESOURCES FF_SENTENCEPIECE_PLUGIN
cli_version=$(/usr/bin/fastformer --version)
[[ $cli_version == "Fastformer Studio $version" ]] || fail "fastformer --version: $cli_version"
studio_version=$(QT_QPA_PLATFORM=offscreen /usr/bin/fastformer-studio --version 2>"$work/studio-version.err")
[[ $studio_version == "Fastformer Studio $version" ]] || fail "fastformer-studio --version: $studio_version"
pass "fastformer and fastformer-studio --version: Fastformer Studio $version"

/usr/bin/fastformer info >"$work/info.out"
cat "$work/info.out"
grep -q "^resources */usr/share/fastformer-studio$" "$work/info.out" || fail "fastformer info: resources not /usr/share/fastformer-studio"
grep -q "^subword tokenizer SentencePiece plugin /usr/lib/fastformer/" "$work/info.out" ||
  fail "fastformer info: the SentencePiece plugin is not /usr/lib/fastformer's"
pass "fastformer info: /usr/lib/fastformer and /usr/share/fastformer-studio"

/usr/bin/fastformer --threads 1 predict --checkpoint demo /usr/share/fastformer-studio/samples/spam-mail.txt \
  >"$work/predict.out"
cat "$work/predict.out"
label=$(cut -f2 "$work/predict.out")
[[ $label == spam ]] || fail "the demo model calls the sample spam mail '$label'"
pass "fastformer predict --checkpoint demo: spam"

# A mail given on the command line, as the desktop's "Open with" gives it: Inspect shades it
# with the demo model (the screenshot waits for that).
cp /usr/share/fastformer-studio/samples/spam-mail.txt "$work/mail.eml"
QT_QPA_PLATFORM=offscreen /usr/bin/fastformer-studio "$work/mail.eml" --screenshot "$work/studio.png" >"$work/studio.out" 2>&1 ||
  { cat "$work/studio.out"; fail "fastformer-studio mail.eml --screenshot"; }
[[ -s $work/studio.png ]] || fail "fastformer-studio wrote no screenshot"
printf '\x89PNG\r\n\x1a\n' >"$work/png-signature"
cmp -s -n 8 "$work/png-signature" "$work/studio.png" || fail "the screenshot is not a PNG"
# The α shading's oranges over the document's words (python3-pil comes with scripts/setup).
shaded=$(/usr/bin/python3 -c '
import sys
from PIL import Image
image = Image.open(sys.argv[1]).convert("RGB")
print(sum(1 for r, g, b in image.getdata() if r > 200 and 80 < g < 215 and b < 170 and r - b > 70))' "$work/studio.png")
[[ $shaded -gt 20000 ]] || fail "the mail given on the command line is not shown shaded ($shaded orange pixels)"
pass "fastformer-studio mail.eml: the mail shaded in Inspect ($shaded orange pixels)"

desktop-file-validate /usr/share/applications/fastformer-studio.desktop || fail "desktop-file-validate"
pass "desktop-file-validate /usr/share/applications/fastformer-studio.desktop"
cd "$root"

echo "== apt-get purge fastformer-studio"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y fastformer-studio >"$work/purge.out" 2>&1 ||
  { cat "$work/purge.out"; fail "apt-get purge"; }
installed=0
# Purged: dpkg knows the package as not-installed (configuration files gone too), or not at all.
status=$(dpkg-query -W -f='${db:Status-Status}' fastformer-studio 2>/dev/null || echo not-installed)
[[ $status == not-installed ]] || fail "after the purge dpkg says: $status"
# Every path dpkg listed is gone, but for folders that were there before the package.
: >"$work/left"
gone=0
while IFS= read -r path; do
  [[ $path == /. ]] && continue
  if grep -qxF -- "$path" "$work/dirs-before"; then continue; fi
  if [[ -e $path || -L $path ]]; then echo "$path" >>"$work/left"; else gone=$((gone + 1)); fi
done <"$work/files"
if [[ -s $work/left ]]; then
  echo "left behind by apt-get purge:" >&2
  cat "$work/left" >&2
  fail "$(wc -l <"$work/left") paths of the package are still there"
fi
pass "apt-get purge removed the $gone files and folders the package had made"
echo "package.deb: $checks checks passed; the package installed, ran from /usr and was purged"
