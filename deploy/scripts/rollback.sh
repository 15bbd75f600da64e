#!/usr/bin/env bash
# Switch the API's Service back to the previous colour that deploy.sh left running. The ledger
# is not rolled back: migrations only add, so the previous release reads the newer schema.
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME [--namespace NS] [--timeout 300s] [--dry-run]

  --namespace NS   default: kubectl's current namespace
  --timeout T      how long to wait for the previous colour to be ready (default 300s)
  --dry-run        print every command, change nothing (the previous colour is taken as blue)
USAGE
}

namespace=""
timeout=300s
while [[ $# -gt 0 ]]; do
  case "$1" in
    --namespace) namespace=${2:?--namespace needs a value}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
need kubectl
ns_args=()
[[ -n $namespace ]] && ns_args=(--namespace "$namespace")

if [[ $DRY_RUN == 1 ]]; then
  previous=blue live=green
else
  previous=$(kubectl "${ns_args[@]}" get service workbench-api \
    -o "jsonpath={.metadata.annotations.workbench\.io/previous-colour}")
  live=$(kubectl "${ns_args[@]}" get service workbench-api \
    -o "jsonpath={.spec.selector.workbench\.io/colour}")
  [[ -n $previous ]] || die "the Service names no previous colour: nothing to roll back to"
fi
log "rolling back from $live to $previous"
run kubectl "${ns_args[@]}" scale deployment "workbench-api-$previous" --replicas=2
run kubectl "${ns_args[@]}" rollout status "deployment/workbench-api-$previous" --timeout="$timeout"
run kubectl "${ns_args[@]}" patch service workbench-api --type merge \
  -p "{\"spec\":{\"selector\":{\"workbench.io/colour\":\"$previous\"}}}"
run kubectl "${ns_args[@]}" annotate --overwrite service workbench-api \
  "workbench.io/previous-colour=$live"
log "live colour is now $previous"
