#!/usr/bin/env bash
# Restore a backup made by backup.sh into a Workbench home: checks the manifest first, then
# the ledger (all or nothing, once its checksums and audit chain check out) and the lake.
# Restoring into a scratch home and comparing is how a backup is verified (--verify-only).
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME --from DIR [--home HOME] [--force] [--verify-only] [--dry-run]

  --from DIR      a folder written by backup.sh
  --home HOME     the home to restore into (default: \$WB_HOME or ~/.workbench); its ledger
                  is replaced, its lake must be absent or empty unless --force
  --force         replace an existing lake
  --verify-only   check the manifest and stop
  --dry-run       print the commands, change nothing
USAGE
}

from=""
home=${WB_HOME:-$HOME/.workbench}
force=0
verify_only=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --from) from=${2:?--from needs a folder}; shift 2 ;;
    --home) home=${2:?--home needs a folder}; shift 2 ;;
    --force) force=1; shift ;;
    --verify-only) verify_only=1; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n $from ]] || { usage >&2; die "--from is required"; }
[[ -f $from/MANIFEST.sha256 ]] || die "$from has no MANIFEST.sha256: not a backup.sh folder"
need tar sha256sum
(cd "$from" && sha256sum --quiet --check MANIFEST.sha256) \
  || die "$from does not match its manifest: a file is damaged or missing"
log "manifest ok"
[[ $verify_only == 1 ]] && exit 0

wb=$(workbench_cmd)
export WB_HOME="$home"
# The lake is unpacked beside the home's first and swapped in only after the ledger is
# restored, so a failure on the way leaves the home as it was.
staging="$home/.lake.restoring"
if [[ -f $from/lake.tar ]]; then
  if [[ -d $home/lake ]] && [[ -n $(ls -A "$home/lake") ]] && [[ $force != 1 ]]; then
    die "$home/lake is not empty (use --force to replace it)"
  fi
  run rm -rf "$staging"
  run mkdir -p "$staging"
  run tar -C "$staging" -xf "$from/lake.tar"
fi
run "$wb" db restore --yes "$from/ledger.json"
if [[ -f $from/lake.tar ]]; then
  run rm -rf "$home/lake"
  run mv "$staging/lake" "$home/lake"
  run rmdir "$staging"
fi
[[ $DRY_RUN == 1 ]] || log "restored $from into $home"
