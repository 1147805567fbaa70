#!/usr/bin/env bash
# Installs the real servers and clients the test suite talks to, into a cache
# folder that survives between runs on the same machine (so CI stays fast).
# Idempotent: each step is skipped when its result is already in the cache.
set -euo pipefail

CACHE="${DICOMWEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dicomweb-fhir-server}"
export GOPATH="$CACHE/go" GOBIN="$CACHE/bin" GOMODCACHE="$CACHE/go/pkg/mod" GOCACHE="$CACHE/go-build"
export PIP_CACHE_DIR="$CACHE/pip"
mkdir -p "$CACHE/bin"
log() { printf '[tools] %s\n' "$*" >&2; }

install_ferretdb() {
  [ -x "$GOBIN/ferretdb" ] && return
  log "building FerretDB v1.24.2 (SQLite backend)"
  go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2
}

install_minio() {
  [ -x "$GOBIN/minio" ] && return
  log "building MinIO"
  go install github.com/minio/minio@latest || {
    log "MinIO build failed; falling back to moto's server"
    python_env; "$CACHE/venv/bin/pip" install -q 'moto[server]'
  }
}

python_env() {
  [ -x "$CACHE/venv/bin/python" ] || python3 -m venv "$CACHE/venv"
  local want="$(dirname "$0")/requirements.txt"
  if ! cmp -s "$want" "$CACHE/venv/.requirements" 2>/dev/null; then
    log "installing Python clients"
    "$CACHE/venv/bin/pip" install -q -r "$want"
    cp "$want" "$CACHE/venv/.requirements"
  fi
}

debian_packages() {
  local missing=()
  command -v dcmdump >/dev/null || missing+=(dcmtk)
  [ -n "${WITH_ORTHANC:-}" ] && { command -v Orthanc >/dev/null || missing+=(orthanc orthanc-dicomweb); }
  [ ${#missing[@]} -eq 0 ] && return
  log "apt-get install ${missing[*]}"
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

case "${1:-all}" in
  ferretdb) install_ferretdb ;;
  minio) install_minio ;;
  python) python_env ;;
  debian) debian_packages ;;
  all) install_ferretdb & f=$!; install_minio & m=$!; python_env; debian_packages; wait $f; wait $m ;;
  cache) echo "$CACHE" ;;
esac
