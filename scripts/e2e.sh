#!/usr/bin/env bash
# `npm run test:e2e`: the browser end-to-end tests (dist/test/e2e/*.e2e.js, compiled by `npm run build`).
# They run inside a fresh network namespace with only loopback up, so Chromium gathers ICE candidates
# on 127.0.0.1 and nothing else, and the test's servers are reachable from the browser. That needs
# root and iproute2; without them the tests run on the host network (they still only use loopback).
# The relay-only call starts its own coturn (`turnserver`, Debian's coturn package) inside the same
# namespace, on 127.0.0.1, as a child process of the test.
set -euo pipefail
cd "$(dirname "$0")/.."

# --no-config: .mocharc.json's spec (the unit and integration tests) must not be added to this run.
MOCHA=(node_modules/.bin/mocha --no-config --timeout 90000 --forbid-only --forbid-pending --reporter spec 'dist/test/e2e/**/*.e2e.js')
NS="jsongle-e2e-$$"

if [ "$(id -u)" = 0 ] && command -v ip >/dev/null 2>&1 && ip netns add "$NS" 2>/dev/null; then
  trap 'ip netns delete "$NS" 2>/dev/null || true' EXIT
  ip netns exec "$NS" ip link set lo up
  echo "e2e: running in network namespace $NS (loopback only)"
  ip netns exec "$NS" "${MOCHA[@]}"
else
  echo "e2e: cannot create a network namespace (needs root and iproute2): running on the host network" >&2
  "${MOCHA[@]}"
fi
