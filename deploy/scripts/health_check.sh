#!/usr/bin/env bash
# Is a deployment healthy? Asks the API's /healthz and /readyz (every dependency with its state)
# and prints one line per check; exits 1 when any is not ok.
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME [--url URL] [--timeout SECONDS] [--retries N] [--dry-run]

  --url URL        the API's base URL (default: \$WB_API_URL or http://127.0.0.1:8000)
  --timeout S      seconds per request (default 5)
  --retries N      tries before giving up, 2 s apart (default 1)
  --dry-run        print the requests, send none
USAGE
}

url=${WB_API_URL:-http://127.0.0.1:8000}
timeout=5
retries=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url=${2:?--url needs a value}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
    --retries) retries=${2:?--retries needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ $retries =~ ^[0-9]+$ && $retries -ge 1 ]] || die "--retries must be a whole number >= 1"

probe() {  # probe PATH: 0 when the answer is 200
  local path=$1 attempt status
  for ((attempt = 1; attempt <= retries; attempt++)); do
    if [[ $DRY_RUN == 1 ]]; then
      run curl --silent --max-time "$timeout" "$url$path"
      return 0
    fi
    status=$(curl --silent --output /dev/null --write-out '%{http_code}' --max-time "$timeout" \
      "$url$path" || true)
    if [[ $status == 200 ]]; then
      printf 'ok    %s%s\n' "$url" "$path"
      return 0
    fi
    ((attempt < retries)) && sleep 2
  done
  printf 'FAIL  %s%s (HTTP %s)\n' "$url" "$path" "${status:-none}"
  return 1
}

need curl
failed=0
probe /healthz || failed=1
probe /readyz || failed=1
exit "$failed"
