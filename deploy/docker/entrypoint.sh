#!/usr/bin/env bash
# The image's entry point: the first argument names the role, the rest go to its command.
# Every role runs in the foreground as PID 1's child via exec, so SIGTERM reaches it.
set -euo pipefail

role="${1:-api}"
[[ $# -gt 0 ]] && shift

port_of() {  # role -> the port it listens on (overridable)
  case "$1" in
    api) echo "${WB_API__PORT:-8000}" ;;
    mcp-http) echo "${WB_MCP_PORT:-8001}" ;;
    dashboards) echo "${WB_DASHBOARDS_PORT:-8866}" ;;
    lab) echo "${WB_LAB_PORT:-8888}" ;;
    exchange) echo "${WB_EXCHANGE_PORT:-8765}" ;;
    dask-scheduler) echo "${WB_DASK_PORT:-8786}" ;;
    *) echo "" ;;
  esac
}

# The HEALTHCHECK runs as a new process without PID 1's environment: the role started is
# written down here before its exec.
ROLE_FILE=${WB_ROLE_FILE:-/tmp/workbench-role}

healthcheck() {
  local probe_role port path="/"
  probe_role=$(cat "$ROLE_FILE" 2>/dev/null || echo "${WB_ROLE:-api}")
  port="$(port_of "$probe_role")"
  case "$probe_role" in
    api|mcp-http) path="/healthz" ;;
    exchange) path="/v2/clock" ;;
  esac
  if [[ -z "$port" ]]; then
    # roles without a port (runner, monitor, workers) are healthy while their process runs
    exit 0
  fi
  python - "$port" "$path" <<'PY'
import sys, urllib.request
port, path = sys.argv[1], sys.argv[2]
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=4) as answer:
        sys.exit(0 if answer.status < 500 else 1)
except OSError as error:
    print(f"healthcheck: {error}", file=sys.stderr)
    sys.exit(1)
PY
}

if [[ $role != healthcheck && $role != -h && $role != --help && $role != help ]]; then
  printf '%s\n' "$role" > "$ROLE_FILE" 2>/dev/null || true
fi
case "$role" in
  api)
    exec workbench serve api --host 0.0.0.0 --port "$(port_of api)" --behind-proxy "$@" ;;
  mcp)
    # stdio: docker run -i IMAGE mcp (the identity is the API key in WB_MCP__API_KEY_FILE)
    exec workbench serve mcp "$@" ;;
  mcp-http)
    # the API process serving MCP's streamable HTTP at /mcp, kept apart from REST replicas
    exec workbench serve api --host 0.0.0.0 --port "$(port_of mcp-http)" --behind-proxy "$@" ;;
  dashboards)
    exec workbench serve dashboards --host 0.0.0.0 --behind-proxy --port "$(port_of dashboards)" "$@" ;;
  lab)
    exec jupyter lab --no-browser --ip 0.0.0.0 --port "$(port_of lab)" \
      --notebook-dir /app/notebooks "$@" ;;
  exchange)
    exec workbench exchange serve --host 0.0.0.0 --port "$(port_of exchange)" --allow-remote "$@" ;;
  runner)
    exec workbench trade run "$@" ;;
  monitor)
    exec workbench monitor watch "$@" ;;
  dask-scheduler)
    exec dask scheduler --port "$(port_of dask-scheduler)" "$@" ;;
  dask-worker)
    exec dask worker "${WB_DASK_SCHEDULER:-tcp://dask-scheduler:8786}" "$@" ;;
  migrate)
    exec workbench db upgrade "$@" ;;
  backup)
    exec workbench db backup "$@" ;;
  healthcheck)
    healthcheck ;;
  shell)
    exec bash "$@" ;;
  -h|--help|help)
    echo "usage: workbench-entrypoint ROLE [ARGS...]"
    echo "roles: api mcp mcp-http dashboards lab exchange runner monitor dask-scheduler dask-worker migrate backup healthcheck shell"
    ;;
  *)
    echo "workbench-entrypoint: unknown role '$role' (see --help)" >&2
    exit 2 ;;
esac
