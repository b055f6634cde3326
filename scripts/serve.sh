#!/usr/bin/env bash
# Start a Prefect server (with its UI) on 127.0.0.1 and serve every deployment of prefect.yaml
# so the schedules fire. Ctrl-C (or SIGTERM) stops both.
set -euo pipefail
port="${1:-4200}"
export PREFECT_HOME="${PREFECT_HOME:-$PWD/.prefect}"
export PREFECT_API_URL="http://127.0.0.1:${port}/api"
mkdir -p "$PREFECT_HOME"
# The UI ships in the prefect wheel; the flows keep it off for their temporary API only.
PREFECT_SERVER_UI_ENABLED=true PREFECT_UI_API_URL="$PREFECT_API_URL" \
  .venv/bin/prefect server start --host 127.0.0.1 --port "$port" --analytics-off \
  >"${PREFECT_HOME}/server.log" 2>&1 &
server=$!
served=""
stop() {
  for pid in $served $server; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in $served $server; do
    for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
}
trap stop EXIT
trap 'exit 130' INT TERM
for _ in $(seq 1 180); do
  .venv/bin/python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "${PREFECT_API_URL}/health" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { echo "prefect server exited; see ${PREFECT_HOME}/server.log" >&2; exit 1; }
  sleep 0.5
done
echo "Prefect UI at http://127.0.0.1:${port}/ (API ${PREFECT_API_URL}; log ${PREFECT_HOME}/server.log)"
.venv/bin/python -m flows.serve &
served=$!
wait "$served"
