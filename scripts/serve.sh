#!/usr/bin/env bash
# Start a Prefect server on 127.0.0.1 and serve every deployment of prefect.yaml so the
# schedules fire. Ctrl-C stops both.
set -euo pipefail
port="${1:-4200}"
export PREFECT_API_URL="http://127.0.0.1:${port}/api"
.venv/bin/prefect server start --host 127.0.0.1 --port "$port" --analytics-off >"${PREFECT_HOME}/server.log" 2>&1 &
server=$!
stop() {
  kill -TERM "$server" 2>/dev/null || true
  for _ in $(seq 1 20); do kill -0 "$server" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$server" 2>/dev/null || true
}
trap stop EXIT
for _ in $(seq 1 120); do
  .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "${PREFECT_API_URL}/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "prefect server exited; see ${PREFECT_HOME}/server.log" >&2; exit 1; }
  sleep 0.5
done
echo "Prefect server at ${PREFECT_API_URL} (log: ${PREFECT_HOME}/server.log)"
.venv/bin/python -m flows.serve
