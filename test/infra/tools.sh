#!/usr/bin/env bash
# Installs the real servers and clients the test suite talks to, into a cache
# folder that survives between runs on the same machine (so CI stays fast).
# Idempotent and silent when everything is cached; each step logs only when it
# actually has work to do.
#
#   bash test/infra/tools.sh [all|ferretdb|minio|python|debian|cache]
#
# Env: DICOMWEB_CACHE (cache dir), WITH_ORTHANC=1 (also apt-get Orthanc).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${DICOMWEB_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dicomweb-fhir-server}"
# Keep every Go artefact inside the cache; -modcacherw so `rm -rf $CACHE` works.
export GOPATH="$CACHE/go" GOBIN="$CACHE/bin" GOMODCACHE="$CACHE/go/pkg/mod" GOCACHE="$CACHE/go-build"
export GOFLAGS="-modcacherw"
export PIP_CACHE_DIR="$CACHE/pip" PIP_DISABLE_PIP_VERSION_CHECK=1
mkdir -p "$CACHE/bin"
log() { printf '[tools] %s\n' "$*" >&2; }
# Run a noisy build step; show its output only if it fails.
quiet() { local out; out="$("$@" 2>&1)" || { printf '%s\n' "$out" >&2; return 1; }; }

FERRETDB_VERSION=v1.24.2

install_ferretdb() {
  # `--version` also catches a binary that panics at start (see below).
  [[ "$("$GOBIN/ferretdb" --version 2>/dev/null)" == *"version: $FERRETDB_VERSION"* ]] && return
  log "building FerretDB $FERRETDB_VERSION (SQLite backend)"
  # `go install ...@v1.24.2` fails: the proxy answers 403 on the module's
  # @v/list during the deprecation check. So build from a throwaway module.
  local dir="$CACHE/ferretdb-build"
  rm -rf "$dir" && mkdir -p "$dir"
  (
    cd "$dir"
    export GOFLAGS="$GOFLAGS -mod=mod"
    printf 'module ferretdb-build\n\ngo 1.22\n\nrequire github.com/FerretDB/FerretDB %s\n' "$FERRETDB_VERSION" >go.mod
    quiet go get "github.com/FerretDB/FerretDB/cmd/ferretdb@$FERRETDB_VERSION"
    # FerretDB embeds build/version/version.txt, which release tooling
    # generates and the module zip lacks; without it the binary panics at
    # start. Build from a copy of the pinned module source with that file added.
    cp -r "$(go list -m -f '{{.Dir}}' github.com/FerretDB/FerretDB)" src
    chmod -R u+w src
    echo "$FERRETDB_VERSION" >src/build/version/version.txt
    go mod edit -replace github.com/FerretDB/FerretDB=./src
    quiet go build -buildvcs=false -o "$GOBIN/ferretdb" github.com/FerretDB/FerretDB/cmd/ferretdb
  )
}

install_minio() {
  # A previous run may have fallen back to moto; don't retry the build each run.
  [ -x "$GOBIN/minio" ] || [ -x "$CACHE/venv/bin/moto_server" ] && return
  log "building MinIO"
  quiet go install github.com/minio/minio@latest || {
    log "MinIO build failed; falling back to moto's S3 server"
    "$CACHE/venv/bin/pip" install -q 'moto[server]'
  }
}

python_env() {
  if [ ! -x "$CACHE/venv/bin/python" ]; then
    log "creating Python venv"
    python3 -m venv "$CACHE/venv"
  fi
  # Reinstall only when requirements.txt changed since the last good install.
  if ! cmp -s "$HERE/requirements.txt" "$CACHE/venv/.requirements"; then
    log "installing Python clients"
    "$CACHE/venv/bin/pip" install -q -r "$HERE/requirements.txt"
    cp "$HERE/requirements.txt" "$CACHE/venv/.requirements"
  fi
}

debian_packages() {
  local want=(dcmtk) missing=() p
  [ "${WITH_ORTHANC:-}" = 1 ] && want+=(orthanc orthanc-dicomweb)
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

case "${1:-all}" in
  ferretdb) install_ferretdb ;;
  minio) python_env; install_minio ;;
  python) python_env ;;
  debian) debian_packages ;;
  all)
    debian_packages
    python_env # before MinIO: its moto fallback installs into the venv
    # The two Go builds are independent; run them side by side.
    install_ferretdb & f=$!
    install_minio & m=$!
    rc=0; wait $f || rc=$?; wait $m || rc=$?
    exit $rc ;;
  cache) echo "$CACHE" ;;
  *) echo "usage: $0 [all|ferretdb|minio|python|debian|cache]" >&2; exit 2 ;;
esac
