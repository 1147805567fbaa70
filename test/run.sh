#!/usr/bin/env bash
# `npm test` — installs/caches the real servers, starts the ones not named in
# the environment (see test/infra/with-services.ts), runs every *.test.ts.
#   npm test                      all tests under test/
#   npm test -- test/unit x.test.ts   only test files under these paths
#   npm test -- --test-name-pattern=QIDO   options starting with - go to node
# Env: TEST_REPORTER (default spec), TEST_TIMEOUT_MS (per test, default 10 min).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash test/infra/tools.sh all

# Arguments starting with "-" go to node's test runner (e.g.
# --test-name-pattern=QIDO); the others are paths that narrow the file list.
opts=() paths=()
for a in "$@"; do
  if [[ $a == -* ]]; then opts+=("$a"); else paths+=("$a"); fi
done
[ ${#paths[@]} -gt 0 ] || paths=(test)

# Node 20's --test does not expand globs, so list the files ourselves.
mapfile -t files < <(find "${paths[@]}" -name '*.test.ts' -not -path '*/node_modules/*' | sort)
if [ ${#files[@]} -eq 0 ]; then
  echo "run.sh: no *.test.ts files under: ${paths[*]}" >&2
  exit 1
fi

# The spec reporter ends with a summary (ℹ tests N / ℹ pass N / ℹ fail N) on a
# TTY and in CI alike. Files run one at a time: they share the servers.
exec node --import tsx test/infra/with-services.ts -- \
  node --import tsx --test --test-concurrency=1 \
  --test-reporter="${TEST_REPORTER:-spec}" --test-timeout="${TEST_TIMEOUT_MS:-600000}" \
  ${opts[@]+"${opts[@]}"} "${files[@]}"
