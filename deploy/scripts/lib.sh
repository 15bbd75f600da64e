# shellcheck shell=bash
# Shared by the deploy scripts: argument helpers, logging, and `run`, which prints every command
# and, under --dry-run, only prints it. Sourced, never run.

DRY_RUN=${DRY_RUN:-0}
SCRIPT_NAME=$(basename "$0")
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# from a checkout, the project's own tools first (kubectl, shellcheck and the rest ship as wheels)
if [[ -d "$REPO_ROOT/.venv/bin" ]]; then
  PATH="$REPO_ROOT/.venv/bin:$PATH"
fi

log() { printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# run CMD ARGS...: the command, quoted as a shell would need it; executed unless dry-run
run() {
  local shown
  shown=$(printf '%q ' "$@")
  if [[ $DRY_RUN == 1 ]]; then
    printf '[dry-run] %s\n' "${shown% }"
  else
    printf '+ %s\n' "${shown% }" >&2
    "$@"
  fi
}

need() {  # need TOOL...: fail with the name of the first missing tool
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not installed (needed by $SCRIPT_NAME)"
  done
}

random_secret() {  # 32 random bytes: hex, or url-safe base64 for the sealing key (Fernet's form)
  if [[ $1 == secrets_key ]]; then
    head -c 32 /dev/urandom | base64 | tr '+/' '-_'
  else
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n'
  fi
}

workbench_cmd() {  # the project's workbench when run from a checkout, else the one on PATH
  if [[ -x "$REPO_ROOT/.venv/bin/workbench" ]]; then
    printf '%s\n' "$REPO_ROOT/.venv/bin/workbench"
  else
    command -v workbench || die "no workbench command: run 'make run' once, or install the package"
  fi
}

check_env_name() {
  case "$1" in
    development|staging|production) ;;
    *) die "unknown environment '$1' (development, staging or production)" ;;
  esac
}

render_overlay() {  # render_overlay ENV: the overlay's manifests on stdout
  kubectl kustomize --load-restrictor LoadRestrictionsNone "$REPO_ROOT/deploy/kubernetes/overlays/$1"
}
