#!/usr/bin/env bash
# Installs the real servers and clients the test suite talks to, into a cache
# folder that survives between runs on the same machine (so CI stays fast).
# Idempotent and silent when everything is cached; each step logs only when it
# actually has work to do.
#
#   bash test/infra/tools.sh [all|ferretdb|minio|python|debian|ohif|hapi|hapi-dir|cache]
#   (`ohif` unpacks the OHIF viewer build and prints its dist/ path, for OHIF_DIST;
#   `hapi-dir` builds the HAPI FHIR test tools if needed and prints their folder)
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
OHIF_VERSION=3.13.2

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

# The OHIF viewer's prebuilt dist/ from npm @ohif/app. The package cannot be an
# npm dependency (it requires @ohif/* versions that were never published), so
# its tarball is fetched with `npm pack` and only dist/ is kept.
install_ohif() {
  local dir="$CACHE/ohif-$OHIF_VERSION"
  [ -f "$dir/dist/index.html" ] && return
  log "unpacking OHIF viewer $OHIF_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && quiet npm pack --silent "@ohif/app@$OHIF_VERSION" && tar xzf ohif-app-*.tgz && mv package/dist dist && rm -rf package ohif-app-*.tgz)
}

debian_packages() {
  # chromium: the browser test drives it through playwright-core (test/viewer).
  local want=(dcmtk chromium) missing=() p
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

# HAPI FHIR test tools (test/hapi: FHIR R4 validator + HAPI JPA server), built with
# Maven from Maven Central into $CACHE/m2 and $CACHE/hapi/<key>/, where <key> hashes
# the Maven project, the JDK and the build steps below. A warm run only hashes a few
# files and checks that the jars are still there: no Maven, no JVM start-up.
# Each <key>/ holds:
#   classpath        the runtime classpath (app jar + jars inside $CACHE/m2)
#   validator.args   java @argfile: JVM options, classpath, main class of the validator
#   server.args      the same for the JPA server
#   *.jsa            class-data-sharing archives recorded from one real start (optional)
HAPI_SRC="$HERE/../hapi"

need_java_maven() {
  command -v java >/dev/null && command -v mvn >/dev/null && return
  log "apt-get install openjdk-17-jdk-headless maven"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless maven >/dev/null
}

hapi_dir() {
  local key
  key="$( {
    java -version 2>&1
    declare -f hapi_build hapi_jvm_options
    cd "$HAPI_SRC" && find pom.xml src -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
  } | sha256sum | cut -c1-16)"
  echo "$CACHE/hapi/$key"
}

# JVM options per tool. The validator keeps the optimising JIT (it validates many
# resources); the server starts much cheaper with C1 only and serves few requests.
# Unified-logging warnings (e.g. a stale CDS archive) go to stderr, keeping stdout
# for the tools' single "LISTENING <port>" line.
hapi_jvm_options() {
  case "$1" in
    validator) echo "-Xmx1g -Xlog:disable -Xlog:all=warning:stderr" ;;
    server) echo "-Xmx1536m -XX:TieredStopAtLevel=1 -Xlog:disable -Xlog:all=warning:stderr" ;;
  esac
}

hapi_ready() {
  local dir=$1 jars jar
  [ -f "$dir/ok" ] || return 1
  # The classpath points into $CACHE/m2: make sure nobody pruned it.
  IFS=: read -ra jars <"$dir/classpath"
  for jar in "${jars[@]}"; do [ -e "$jar" ] || return 1; done
}

hapi_build() {
  local dir=$1 tmp="$1.tmp.$$"
  rm -rf "$dir" "$tmp" && mkdir -p "$tmp"
  quiet mvn -B -q -ntp -f "$HAPI_SRC/pom.xml" -Dmaven.repo.local="$CACHE/m2" -Dhapi.build.dir="$tmp/build" package
  mv "$tmp/build/hapi-test-tools.jar" "$tmp/"
  printf '%s:%s\n' "$dir/hapi-test-tools.jar" "$(cat "$tmp/build/classpath.txt")" >"$tmp/classpath"
  rm -rf "$tmp/build"
  mv -T "$tmp" "$dir" # the final paths: class-data-sharing archives record them
  local cp tool main data
  cp="$(cat "$dir/classpath")"
  for tool in validator server; do
    if [ $tool = validator ]; then main=dicomweb.hapi.ValidatorMain; else main=dicomweb.hapi.ServerMain; fi
    # Record the classes one real start loads (saves ~30% of the server's start-up CPU).
    data="$(mktemp -d)"
    if [ $tool = validator ]; then set -- --warm-up-and-exit; else set -- "$data" 0 --exit-after-start; fi
    # shellcheck disable=SC2046
    (cd "$data" && quiet java $(hapi_jvm_options $tool) -XX:ArchiveClassesAtExit="$dir/$tool.jsa" -cp "$cp" $main "$@") ||
      { log "hapi: recording the $tool class-data archive failed; starting without it"; rm -f "$dir/$tool.jsa"; }
    rm -rf "$data"
    {
      echo "$(hapi_jvm_options $tool)"
      [ -f "$dir/$tool.jsa" ] && echo "-XX:SharedArchiveFile=\"$dir/$tool.jsa\""
      echo "-cp \"$cp\""
      echo "$main"
    } >"$dir/$tool.args"
  done
  touch "$dir/ok"
}

install_hapi() {
  need_java_maven
  local dir; dir="$(hapi_dir)"
  hapi_ready "$dir" && return
  mkdir -p "$CACHE/hapi"
  (
    flock 9 # one build at a time per cache (parallel checkouts share it)
    hapi_ready "$dir" && exit 0
    log "building the HAPI FHIR test tools with Maven (a few minutes the first time)"
    hapi_build "$dir"
    # Keep this build and the newest other one (another checkout may still use it):
    # each holds ~230 MB of class-data archives.
    local old kept=0
    while IFS= read -r -d '' old; do
      [ "$old" = "$dir" ] && continue
      kept=$((kept + 1))
      if [ $kept -gt 1 ]; then rm -rf "$old"; fi
    done < <(find "$CACHE/hapi" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\0' | sort -zrn | cut -z -d' ' -f2-)
  ) 9>"$CACHE/hapi/.lock"
}

case "${1:-all}" in
  ferretdb) install_ferretdb ;;
  minio) python_env; install_minio ;;
  python) python_env ;;
  debian) debian_packages ;;
  ohif) install_ohif; echo "$CACHE/ohif-$OHIF_VERSION/dist" ;;
  hapi) install_hapi ;;
  hapi-dir) install_hapi && hapi_dir ;; # prints the folder test/hapi/*.ts start the tools from
  all)
    debian_packages
    install_ohif
    python_env # before MinIO: its moto fallback installs into the venv
    # The two Go builds and the Maven build are independent; run them side by side.
    install_ferretdb & f=$!
    install_minio & m=$!
    install_hapi & h=$!
    rc=0; wait $f || rc=$?; wait $m || rc=$?; wait $h || rc=$?
    exit $rc ;;
  cache) echo "$CACHE" ;;
  *) echo "usage: $0 [all|ferretdb|minio|python|debian|ohif|hapi|hapi-dir|cache]" >&2; exit 2 ;;
esac
