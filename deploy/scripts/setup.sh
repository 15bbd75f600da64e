#!/usr/bin/env bash
# First-time set-up of a deployment's secrets. For Compose: checks (or with --generate, makes)
# the secret files in deploy/secrets/ and keeps them private. For Kubernetes: creates the
# namespace and the workbench-secrets Secret from those files (never from values in Git).
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME --env ENV [--target compose|kubernetes] [--secrets DIR] [--generate]
                [--namespace NS] [--dry-run]

  --env ENV        development, staging or production
  --target T       compose (default) or kubernetes
  --secrets DIR    where the secret files are (default: deploy/secrets)
  --generate       make the random secrets that are missing (jwt_secret, postgres_password,
                   secrets_key)
  --namespace NS   Kubernetes namespace (default: workbench, or workbench-ENV outside production)
  --dry-run        print every command, change nothing
USAGE
}

env_name=""
target=compose
secrets_dir="$REPO_ROOT/deploy/secrets"
generate=0
namespace=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --env) env_name=${2:?--env needs a value}; shift 2 ;;
    --target) target=${2:?--target needs a value}; shift 2 ;;
    --secrets) secrets_dir=${2:?--secrets needs a folder}; shift 2 ;;
    --generate) generate=1; shift ;;
    --namespace) namespace=${2:?--namespace needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n $env_name ]] || { usage >&2; die "--env is required"; }
check_env_name "$env_name"
case "$target" in compose|kubernetes) ;; *) die "unknown target '$target' (compose or kubernetes)" ;; esac
if [[ -z $namespace ]]; then
  namespace=workbench
  [[ $env_name == production ]] || namespace="workbench-${env_name:0:7}"
  [[ $env_name == development ]] && namespace=workbench-dev
fi

random_secrets=(jwt_secret postgres_password secrets_key)
given_secrets=(ledger_url alpaca_api_key alpaca_secret_key)
[[ $target == compose ]] && given_secrets+=(tls_cert tls_key dashboards_htpasswd)

run mkdir -p "$secrets_dir"
run chmod 700 "$secrets_dir"
missing=()
for name in "${random_secrets[@]}"; do
  file="$secrets_dir/$name"
  if [[ -f $file ]]; then continue; fi
  if [[ $generate == 1 ]]; then
    if [[ $DRY_RUN == 1 ]]; then
      printf '[dry-run] generate 32 random bytes into %s, mode 0600\n' "$file"
    else
      (umask 077 && random_secret "$name" > "$file.new") && mv "$file.new" "$file"
      log "generated $file"
    fi
  else
    missing+=("$name")
  fi
done
for name in "${given_secrets[@]}"; do
  [[ -f $secrets_dir/$name ]] || missing+=("$name")
done
for file in "$secrets_dir"/*; do
  [[ -f $file && $(basename "$file") != README.md ]] || continue
  mode=$(stat -c '%a' "$file")
  [[ $mode == 600 || $mode == 400 ]] || run chmod 600 "$file"
done
if [[ ${#missing[@]} -gt 0 && $DRY_RUN != 1 ]]; then
  die "missing secret files in $secrets_dir: ${missing[*]} (see deploy/secrets/README.md)"
fi

if [[ $target == kubernetes ]]; then
  need kubectl
  from_files=()
  for name in "${random_secrets[@]}" "${given_secrets[@]}"; do
    from_files+=("--from-file=$name=$secrets_dir/$name")
  done
  if [[ $DRY_RUN == 1 ]]; then
    run kubectl create namespace "$namespace"
    run kubectl --namespace "$namespace" create secret generic workbench-secrets "${from_files[@]}"
  else
    kubectl create namespace "$namespace" --dry-run=client -o yaml | kubectl apply -f -
    kubectl --namespace "$namespace" create secret generic workbench-secrets "${from_files[@]}" \
      --dry-run=client -o yaml | kubectl apply -f -
  fi
fi
log "set-up for $env_name ($target) is complete"
