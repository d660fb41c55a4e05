#!/usr/bin/env bash
# Makes a Docker engine and the sandbox image available on a fresh Debian machine (as root). Idempotent:
# installs docker.io and debootstrap when absent, starts dockerd in the background when no engine answers,
# then builds the sandbox image (offline from Debian packages when no image registry answers).
set -euo pipefail
venv="$(cd "${1:-$(dirname "$0")/../.venv}" && pwd)"  # resolved before any cd: VENV may be relative
if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io debootstrap >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  nohup dockerd >/var/log/aiev-dockerd.log 2>&1 &
  for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
  docker info >/dev/null 2>&1 || { echo "dockerd did not start; see /var/log/aiev-dockerd.log" >&2; exit 1; }
fi
"$venv/bin/aiev" sandbox build-image
