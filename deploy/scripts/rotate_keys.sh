#!/usr/bin/env bash
# Rotate credentials. --jwt: a new token-signing secret (access tokens signed with the old one
# stop working at once and clients refresh: refresh tokens live in the ledger, not in the
# signature); the API is restarted to read it. --api-key KEY: a new API key replacing KEY, which
# keeps working for the configured overlap (workbench keys rotate). --sealing-key: a new key for
# the broker keys sealed in the ledger; every stored key is resealed under it (the old key is
# kept beside it until then), and the API restarts to read it.
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME --jwt [--target compose|kubernetes] [--secrets DIR] [--namespace NS] [--dry-run]
       $SCRIPT_NAME --api-key KEY [--overlap-minutes M] [--dry-run]
       $SCRIPT_NAME --sealing-key [--target T] [--secrets DIR] [--no-restart] [--dry-run]

  --jwt                 a new JWT signing secret, then a rolling restart of the API
  --api-key KEY         rotate this API key (id or prefix, e.g. wbk_1a2b3c4d)
  --overlap-minutes M   how long the old key keeps working (default: the configured overlap)
  --sealing-key         a new WB_SECRETS__KEY, every stored broker key resealed under it, then
                        a rolling restart of the API
  --no-restart          leave the restart to the operator (the new files are read at start-up)
  --target T            compose (default) or kubernetes, for --jwt and --sealing-key
  --secrets DIR         the secret files (default: deploy/secrets)
  --namespace NS        Kubernetes namespace (default: workbench)
  --dry-run             print every command, change nothing
USAGE
}

jwt=0
sealing=0
restart=1
api_key=""
overlap=""
target=compose
secrets_dir="$REPO_ROOT/deploy/secrets"
namespace=workbench
while [[ $# -gt 0 ]]; do
  case "$1" in
    --jwt) jwt=1; shift ;;
    --sealing-key) sealing=1; shift ;;
    --no-restart) restart=0; shift ;;
    --api-key) api_key=${2:?--api-key needs a key id or prefix}; shift 2 ;;
    --overlap-minutes) overlap=${2:?--overlap-minutes needs a value}; shift 2 ;;
    --target) target=${2:?--target needs a value}; shift 2 ;;
    --secrets) secrets_dir=${2:?--secrets needs a folder}; shift 2 ;;
    --namespace) namespace=${2:?--namespace needs a value}; shift 2 ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ $jwt == 1 || $sealing == 1 || -n $api_key ]] ||
  { usage >&2; die "say what to rotate: --jwt, --sealing-key or --api-key KEY"; }

restart_api() {  # every API replica, one after another, so it reads the new secret files
  [[ $restart == 1 ]] || { log "restart the API to read the new secret files"; return 0; }
  case "$target" in
    compose)
      run docker compose -f "$REPO_ROOT/deploy/compose.prod.yml" up -d --force-recreate api-1
      run docker compose -f "$REPO_ROOT/deploy/compose.prod.yml" up -d --force-recreate api-2 ;;
    kubernetes)
      need kubectl
      # the Secret is made anew from every file (setup.sh), so no other key is lost
      dry=()
      [[ $DRY_RUN == 1 ]] && dry=(--dry-run)
      run "$(dirname "$0")/setup.sh" --env "${WB_ENV:-production}" --target kubernetes \
        --secrets "$secrets_dir" --namespace "$namespace" "${dry[@]}"
      run kubectl --namespace "$namespace" rollout restart deployment -l app.kubernetes.io/component=api ;;
    *) die "unknown target '$target' (compose or kubernetes)" ;;
  esac
}

if [[ -n $api_key ]]; then
  args=(keys rotate "$api_key")
  [[ -n $overlap ]] && args+=(--overlap-minutes "$overlap")
  run "$(workbench_cmd)" "${args[@]}"
fi

if [[ $jwt == 1 ]]; then
  file="$secrets_dir/jwt_secret"
  if [[ $DRY_RUN == 1 ]]; then
    printf '[dry-run] write a new random secret to %s.new, then move it over %s\n' "$file" "$file"
  else
    [[ -d $secrets_dir ]] || die "no secrets folder at $secrets_dir (run setup.sh first)"
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$file.new")
    mv "$file.new" "$file"
  fi
  restart_api
fi

if [[ $sealing == 1 ]]; then
  file="$secrets_dir/secrets_key"
  previous="$secrets_dir/secrets_previous_keys"
  if [[ $DRY_RUN == 1 ]]; then
    printf '[dry-run] keep %s as %s, write a new key to %s\n' "$file" "$previous" "$file"
  else
    [[ -f $file ]] || die "no sealing key at $file (run setup.sh --generate first)"
    (umask 077 && cp "$file" "$previous" && random_secret secrets_key > "$file.new")
    mv "$file.new" "$file"
  fi
  # stored keys are opened with the old key and sealed under the new one, all in one transaction
  run env WB_SECRETS__KEY_FILE="$file" WB_SECRETS__PREVIOUS_KEYS_FILE="$previous" \
    "$(workbench_cmd)" secrets reseal
  run rm -f "$previous"
  restart_api
fi
