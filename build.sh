#!/usr/bin/env bash
# padlens build script. Each command installs what it needs on a fresh Debian machine that has
# Rust (rustup), then does its job:
#
#   ./build.sh serve   build the WASM and serve www/ on http://127.0.0.1:${PORT:-8000}/
#   ./build.sh test    every test: native (unit, property, golden), WASM in headless Chromium,
#                      and the page end to end with playwright-core
#   ./build.sh bench   benchmarks (BENCHMARKS.md): native (cargo bench), the engine in headless
#                      Chromium (www/bench.html), the explorer's frame latency, and PyTorch
#                      autograd on the same maps (in tools/.venv, from tools/requirements.txt)
#   ./build.sh build   only build www/pkg (the WASM module and its JS glue)
#   ./build.sh dist    build the WASM and write dist/: the site for any static host (any
#                      sub-path), with content-hashed asset names, .gz/.br copies and social
#                      preview tags (README.md, "Publishing")
#
# PORT picks the serve port (default 8000). PADLENS_SITE_URL (dist) is the site's public
# address, for absolute og:url and og:image in the social preview tags.
set -euo pipefail
cd "$(dirname "$0")"

# wasm-bindgen-cli must be exactly the version the crate pins (`wasm-bindgen = "=X"`).
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
WASM_TARGET=wasm32-unknown-unknown
export PATH="$HOME/.cargo/bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_updated=""
apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ -z "$apt_updated" ]; then
        $sudo apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_wasm_tools() {
    if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
        say "adding the $WASM_TARGET target"
        rustup target add "$WASM_TARGET"
    fi
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (a few minutes, once)"
        # No --locked: one of the CLI's locked dependencies is not served by the registry.
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
    ensure_npm_tools
}

# wasm-opt and playwright-core come from npm (package.json, package-lock.json): Debian
# bookworm's binaryen 108 rewrites wasm-bindgen's externref table into one that browsers
# reject at start-up ("WebAssembly.Table.set(): Argument 1 is invalid"); binaryen 132 does not.
ensure_npm_tools() {
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        say "installing node and npm"
        apt_install nodejs npm
    fi
    if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/pngjs ] || [ ! -d node_modules/axe-core ]; then
        say "installing npm tools (binaryen's wasm-opt, playwright-core, pngjs, axe-core)"
        npm ci --no-audit --no-fund --loglevel=error
    fi
}

ensure_python() {
    command -v python3 >/dev/null || { say "installing python3 (static file server)"; apt_install python3; }
}

# The Python tools' venv (tools/README.md): PyTorch and friends at the versions pinned in
# tools/requirements.txt, from PyPI (about 2 GB, once); reinstalled when that file changes.
TOOLS_VENV=tools/.venv
ensure_tools_venv() {
    if ! command -v python3 >/dev/null || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
        say "installing python3 and python3-venv"
        apt_install python3 python3-venv
    fi
    if [ ! -x "$TOOLS_VENV/bin/python" ]; then
        say "creating $TOOLS_VENV"
        python3 -m venv "$TOOLS_VENV"
    fi
    if ! cmp -s tools/requirements.txt "$TOOLS_VENV/requirements.installed"; then
        say "installing tools/requirements.txt into $TOOLS_VENV (PyTorch from PyPI, ~2 GB, once)"
        "$TOOLS_VENV/bin/pip" install --quiet --disable-pip-version-check -r tools/requirements.txt
        cp tools/requirements.txt "$TOOLS_VENV/requirements.installed"
    fi
}

ensure_browser() {
    if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
        say "installing Debian's chromium and chromium-driver"
        apt_install chromium chromium-driver
    fi
}

build_wasm() {
    ensure_wasm_tools
    say "building the WASM module (release, simd128)"
    # The CLI feature (clap, png, npy) is native-only; .cargo/config.toml turns on simd128.
    cargo build --lib --release --target "$WASM_TARGET" --no-default-features
    rm -rf www/pkg
    wasm-bindgen --target web --no-typescript --out-dir www/pkg \
        "${CARGO_TARGET_DIR:-target}/$WASM_TARGET/release/padlens.wasm"
    # The features rustc emits for wasm32 today; -O3 because speed matters more than the
    # few KiB -Oz would save (sizes in BENCHMARKS.md).
    node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
        --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
        www/pkg/padlens_bg.wasm -o www/pkg/padlens_bg.wasm
    say "www/pkg: $(wc -c <www/pkg/padlens_bg.wasm) bytes of WASM"
    # The service worker's precache list and version (www/precache.js) and the app's icons,
    # from the files now on disk.
    node tools/precache.mjs
}

serve() {
    build_wasm
    ensure_python
    local port="${PORT:-8000}"
    say "padlens is at http://127.0.0.1:$port/ (Ctrl-C stops it)"
    exec python3 -m http.server "$port" --bind 127.0.0.1 --directory www
}

run_tests() {
    ensure_wasm_tools
    ensure_browser
    say "native tests (unit, property, golden, CLI)"
    cargo test --all-targets
    say "WASM tests in headless Chromium"
    # webdriver.json (next to Cargo.toml) holds Chromium's headless flags. A test runs on the
    # page's thread, and the runner's requests to the page wait for it: the six torchvision
    # models of wasm_models.rs take 18-20 s in this debug build on an idle 2-core machine (over
    # 20 s, the runner's default limit, under load), so the limit is raised.
    CHROMEDRIVER="$(command -v chromedriver)" \
        WASM_BINDGEN_TEST_TIMEOUT=300 \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
        cargo test --target "$WASM_TARGET" --no-default-features --test wasm --test wasm_kernels --test wasm_models --test wasm_node
    build_wasm
    say "page tests (playwright-core, Debian's Chromium)"
    node --test --test-concurrency=1 tests/e2e/
}

# The browser model benchmark's own builds (tests/e2e/run-model-bench.mjs, BENCHMARKS.md): rten
# (benches/rten-web) and padlens' step timer (benches/web/steps), each its own workspace,
# for wasm32 with simd128 (.cargo/config.toml's flags, applied from here) into
# benches/web/{rten,steps}-pkg; and onnxruntime-web from npm (package.json).
build_model_bench() {
    [ -d node_modules/onnxruntime-web ] || npm ci --no-audit --no-fund --loglevel=error
    local target="${CARGO_TARGET_DIR:-$PWD/target}/bench-web" crate name
    for crate in rten-web:benches/rten-web steps:benches/web/steps; do
        name=${crate%%:*}
        say "building $name for the browser model benchmark (release, simd128)"
        CARGO_TARGET_DIR="$target" cargo build --release --target "$WASM_TARGET" --manifest-path "${crate#*:}/Cargo.toml"
    done
    for name in rten_web:rten-pkg padlens_steps:steps-pkg; do
        rm -rf "benches/web/${name#*:}"
        wasm-bindgen --target web --no-typescript --out-dir "benches/web/${name#*:}" \
            "$target/$WASM_TARGET/release/${name%%:*}.wasm"
        node_modules/.bin/wasm-opt -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
            --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
            "benches/web/${name#*:}/${name%%:*}_bg.wasm" -o "benches/web/${name#*:}/${name%%:*}_bg.wasm"
    done
}

# Everything is installed and built before anything is measured, so that no install competes
# for the CPU with a measurement.
bench() {
    ensure_browser
    ensure_tools_venv
    build_wasm
    cargo bench --no-run --bench utilization --bench engine
    cargo build --release --bin padlens
    say "native benchmarks (cargo bench)"
    cargo bench --bench utilization
    # The inference engine on the full-size ONNX models (tools/.cache/models, from
    # `tools/onnx_models.py full`; absent ones are skipped), then its peers on the same models,
    # which also set padlens' figures from criterion's files beside theirs.
    cargo bench --bench engine
    say "ONNX Runtime and PyTorch on the same ONNX models"
    "$TOOLS_VENV/bin/python" tools/bench_onnxruntime.py target/bench/engine.json \
        --padlens "${CARGO_TARGET_DIR:-target}/criterion"
    say "the engine in headless Chromium, the explorer's frame latency, and PyTorch"
    node tests/e2e/run-bench.mjs --python "$TOOLS_VENV/bin/python"
    build_model_bench
    say "ONNX models in Chromium: padlens, onnxruntime-web, rten"
    node tests/e2e/run-model-bench.mjs --breakdown
    say "detectability grids: the Blind spots page in Chromium, and the CLI"
    node tests/e2e/run-detect-bench.mjs --native
}

# The static site (tools/dist.mjs): node only, on the WASM just built.
dist() {
    build_wasm
    say "writing dist/ (brotli at its strongest takes a while)"
    node tools/dist.mjs
}

case "${1:-}" in
serve) serve ;;
dist) dist ;;
test) run_tests ;;
bench) bench ;;
build) build_wasm ;;
*)
    sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
