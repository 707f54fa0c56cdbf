#!/usr/bin/env bash
# Build llama.cpp's C++ `llama-bench` from the llama.cpp sources vendored in the
# llama-cpp-python source distribution, so the speed reference runs exactly the ggml/llama code
# the app's Python binding was built from.
#
#   build_llama_bench.sh            # prints the path of the llama-bench binary on stdout
#   build_llama_bench.sh --force    # rebuild even when a working binary is cached
#
# Environment:
#   LLAMA_CPP_PYTHON_VERSION  version of the sdist (default 0.3.36)
#   HEARTH_BENCH_CACHE        cache root (default ${XDG_CACHE_HOME:-~/.cache}/hearth-bench)
#   PYTHON                    interpreter whose pip downloads the sdist (default: python3)
#   JOBS                      parallel compile jobs (default: nproc)
#   LLAMA_CPP_PYTHON_SDIST    an sdist already on disk (skips the download; sha256 still checked)
#
# Idempotent: a cached binary that runs is reused and nothing is downloaded or built. The build
# happens in a temporary folder and the binary is moved into place last, so an interrupted build
# never leaves a half-made binary behind; a lock keeps two callers from building at once.
# All progress goes to stderr; stdout carries only the binary's path (for bench/llama_bench.py).
#
# AMX: the native build (-march=native) compiles ggml's AMX kernels on Xeons that have AMX, and
# those crash in ggml_backend_amx_mul_mat. They are compiled out here (-mno-amx-*; GCC honours
# them whatever their order relative to -march=native). Run the benchmark with `--repack 0` too,
# so that it, like Hearth's engine (use_extra_bufts = False), uses no extra buffer types.
set -euo pipefail

VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
# sha256 of the PyPI sdist, checked when it is the version pinned here.
SHA256_0_3_36="832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"
CACHE_ROOT="${HEARTH_BENCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hearth-bench}"
DEST="$CACHE_ROOT/llama-bench-$VERSION"
BIN="$DEST/bin/llama-bench"
PYTHON="${PYTHON:-python3}"
JOBS="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
FORCE=0
[[ "${1:-}" == "--force" ]] && FORCE=1

say() { printf 'build_llama_bench: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

works() { [[ -x "$BIN" ]] && "$BIN" --help >/dev/null 2>&1; }

if [[ $FORCE -eq 0 ]] && works; then
    printf '%s\n' "$BIN"
    exit 0
fi

for tool in cmake c++ cc tar flock; do
    command -v "$tool" >/dev/null || die "'$tool' is needed to build llama-bench"
done
"$PYTHON" -m pip --version >/dev/null 2>&1 || die "$PYTHON has no pip (set PYTHON=...)"

mkdir -p "$DEST"
exec 9>"$DEST/.lock"
flock 9
# Another caller may have finished the build while this one waited for the lock.
if [[ $FORCE -eq 0 ]] && works; then
    printf '%s\n' "$BIN"
    exit 0
fi

SDIST="$DEST/llama_cpp_python-$VERSION.tar.gz"
# LLAMA_CPP_PYTHON_SDIST: an already downloaded sdist to use instead of asking PyPI.
if [[ ! -s "$SDIST" && -n "${LLAMA_CPP_PYTHON_SDIST:-}" ]]; then
    cp "$LLAMA_CPP_PYTHON_SDIST" "$SDIST.tmp" && mv -f "$SDIST.tmp" "$SDIST"
fi
if [[ ! -s "$SDIST" ]]; then
    say "downloading the llama-cpp-python $VERSION source distribution"
    tmp_dl="$(mktemp -d "$DEST/download.XXXXXX")"
    # pip prepares the sdist's metadata in an isolated build environment (scikit-build-core).
    "$PYTHON" -m pip download "llama-cpp-python==$VERSION" --no-binary :all: --no-deps \
        -d "$tmp_dl" >&2 || { rm -rf "$tmp_dl"; die "pip download failed"; }
    found="$(find "$tmp_dl" -maxdepth 1 -name 'llama_cpp_python-*.tar.gz' | head -n1)"
    [[ -n "$found" ]] || { rm -rf "$tmp_dl"; die "pip download left no sdist"; }
    mv "$found" "$SDIST"
    rm -rf "$tmp_dl"
fi
if [[ "$VERSION" == "0.3.36" ]]; then
    actual="$(sha256sum "$SDIST" | cut -d' ' -f1)"
    [[ "$actual" == "$SHA256_0_3_36" ]] || { rm -f "$SDIST"; die "sdist sha256 mismatch ($actual)"; }
fi

WORK="$(mktemp -d "$DEST/build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
say "unpacking"
tar -xzf "$SDIST" -C "$WORK"
SRC="$WORK/llama_cpp_python-$VERSION/vendor/llama.cpp"
[[ -f "$SRC/CMakeLists.txt" ]] || die "no vendor/llama.cpp in the sdist"

NO_AMX=""
if [[ "$(uname -m)" == "x86_64" ]] && echo 'int x;' | cc -mno-amx-tile -mno-amx-int8 -mno-amx-bf16 -x c -c -o /dev/null - 2>/dev/null; then
    NO_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
fi
GENERATOR=()
command -v ninja >/dev/null && GENERATOR=(-G Ninja)

say "configuring (extra flags: ${NO_AMX:-none})"
cmake -S "$SRC" -B "$WORK/build" "${GENERATOR[@]}" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="$NO_AMX" -DCMAKE_CXX_FLAGS="$NO_AMX" \
    -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=ON \
    -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_APP=OFF -DLLAMA_BUILD_UI=OFF >&2
say "building llama-bench with $JOBS jobs (a few minutes)"
cmake --build "$WORK/build" --target llama-bench -j "$JOBS" >&2

built="$WORK/build/bin/llama-bench"
[[ -x "$built" ]] || die "the build produced no bin/llama-bench"
"$built" --help >/dev/null 2>&1 || die "the built llama-bench does not run"
if [[ -n "$NO_AMX" ]] && "$built" --help 2>&1 | grep -q "AMX"; then
    say "warning: the binary still mentions AMX"
fi
mkdir -p "$DEST/bin"
cp "$built" "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
printf '%s\n' "$VERSION" > "$DEST/VERSION"
say "built $BIN"
printf '%s\n' "$BIN"
