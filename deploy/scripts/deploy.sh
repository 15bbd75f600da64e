#!/usr/bin/env bash
# Blue-green deployment to Kubernetes. In order: validate the configuration (nothing changes if
# it is wrong), run the ledger's migrations as a Job and wait for it, apply everything but the
# API, bring up the API in the idle colour and wait until it is ready, switch the Service to it,
# and keep the old colour running for rollback.sh (scale it down with --retire-old later).
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME --env ENV --tag TAG [--namespace NS] [--timeout 600s] [--dry-run]
       $SCRIPT_NAME --env ENV --retire-old [--dry-run]

  --env ENV        development, staging or production (the overlay and deploy/config/ENV.yaml)
  --tag TAG        the image tag to roll out
  --namespace NS   default: the overlay's namespace
  --timeout T      how long to wait for the migration and the new colour (default 600s)
  --render-to DIR  keep the rendered manifests in DIR (default: a temporary folder)
  --retire-old     scale the idle (previous) colour to zero once the new one has proved itself
  --dry-run        print every command, change nothing (the live colour is taken as blue)
USAGE
}

env_name=""
tag=""
namespace=""
timeout=600s
retire=0
render_to=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --env) env_name=${2:?--env needs a value}; shift 2 ;;
    --tag) tag=${2:?--tag needs a value}; shift 2 ;;
    --namespace) namespace=${2:?--namespace needs a value}; shift 2 ;;
    --timeout) timeout=${2:?--timeout needs a value}; shift 2 ;;
    --render-to) render_to=${2:?--render-to needs a folder}; shift 2 ;;
    --retire-old) retire=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n $env_name ]] || { usage >&2; die "--env is required"; }
check_env_name "$env_name"
[[ $retire == 1 || -n $tag ]] || { usage >&2; die "--tag is required"; }
[[ -z $tag || $tag =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]] || die "'$tag' is not an image tag"
need kubectl
python=$(dirname "$(workbench_cmd)")/python
ns_args=()
[[ -n $namespace ]] && ns_args=(--namespace "$namespace")

live_colour() {
  if [[ $DRY_RUN == 1 ]]; then echo blue; return; fi
  local colour
  colour=$(kubectl "${ns_args[@]}" get service workbench-api \
    -o "jsonpath={.spec.selector.workbench\.io/colour}" 2>/dev/null || true)
  echo "${colour:-blue}"
}
other() { [[ $1 == blue ]] && echo green || echo blue; }

live=$(live_colour)
idle=$(other "$live")

if [[ $retire == 1 ]]; then
  log "retiring $idle (live: $live)"
  run kubectl "${ns_args[@]}" scale deployment "workbench-api-$idle" --replicas=0
  exit 0
fi

log "environment $env_name, image tag $tag: live colour $live, deploying $idle"
run "$(workbench_cmd)" config validate --env "$env_name"

if [[ -n $render_to ]]; then
  mkdir -p "$render_to"
  manifests=$render_to
else
  manifests=$(mktemp -d)
  trap 'rm -rf "$manifests"' EXIT
fi
# the overlay with this release's tag and a migration Job named after it
render_overlay "$env_name" \
  | sed -e "s|\(image: registry.example.com/workbench\):.*|\1:$tag|" \
        -e "s|name: workbench-migrate$|name: workbench-migrate-${tag//[._]/-}|" \
  > "$manifests/all.yaml"
"$python" "$(dirname "$0")/colour.py" --colour "$idle" --api < "$manifests/all.yaml" > "$manifests/api.yaml"
"$python" "$(dirname "$0")/colour.py" --colour "$idle" --service < "$manifests/all.yaml" > "$manifests/service.yaml"
"$python" "$(dirname "$0")/colour.py" --colour "$idle" --rest < "$manifests/all.yaml" > "$manifests/rest.yaml"

run kubectl "${ns_args[@]}" apply -f "$manifests/rest.yaml"
run kubectl "${ns_args[@]}" wait --for=condition=complete --timeout="$timeout" \
  "job/workbench-migrate-${tag//[._]/-}"
run kubectl "${ns_args[@]}" apply -f "$manifests/api.yaml"
run kubectl "${ns_args[@]}" rollout status "deployment/workbench-api-$idle" --timeout="$timeout"
run kubectl "${ns_args[@]}" apply -f "$manifests/service.yaml"
run kubectl "${ns_args[@]}" annotate --overwrite service workbench-api \
  "workbench.io/previous-colour=$live" "workbench.io/release=$tag"
log "live colour is now $idle; $live keeps running for rollback.sh"
