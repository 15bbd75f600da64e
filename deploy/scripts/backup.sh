#!/usr/bin/env bash
# Back up a Workbench home: the ledger (one consistent moment, with checksums and the audit
# chain, by `workbench db backup`) and then the market-data lake (a tar of its Parquet files),
# with a SHA-256 manifest over both. The ledger goes first: the lake only grows, so a lake taken
# after the ledger covers every bar the ledger's runs refer to.
set -euo pipefail
# shellcheck source=deploy/scripts/lib.sh
source "$(dirname "$0")/lib.sh"
umask 077  # the ledger backup holds hashed credentials and the audit chain

usage() {
  cat <<USAGE
usage: $SCRIPT_NAME --out DIR [--home HOME] [--ledger-only] [--dry-run]

  --out DIR       a new folder for the backup (must not exist; never inside the home)
  --home HOME     the Workbench home (default: \$WB_HOME or ~/.workbench); the ledger is
                  the one the settings name (WB_LEDGER_URL, else the home's SQLite file)
  --ledger-only   skip the lake (when it lives on shared or object storage backed up apart)
  --dry-run       print the commands, change nothing
USAGE
}

out=""
home=${WB_HOME:-$HOME/.workbench}
with_lake=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --home) home=${2:?--home needs a folder}; shift 2 ;;
    --ledger-only) with_lake=0; shift ;;
    --dry-run) DRY_RUN=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument '$1'" ;;
  esac
done
[[ -n $out ]] || { usage >&2; die "--out is required"; }
[[ -e $out ]] && die "$out already exists: a backup goes into a new folder"
[[ -d $home ]] || die "no Workbench home at $home"
need tar sha256sum
wb=$(workbench_cmd)
export WB_HOME="$home"

# Written under a temporary name and renamed when whole: a failed backup leaves no folder that
# looks like one.
work="$out.partial"
[[ -e $work ]] && die "$work exists: a backup was interrupted there; remove it first"
finished=0
cleanup() { [[ $finished == 1 || $DRY_RUN == 1 ]] || rm -rf "$work"; }
trap cleanup EXIT
run mkdir -p "$work"
run "$wb" db backup "$work/ledger.json"
if [[ $with_lake == 1 ]]; then
  [[ -d $home/lake ]] || die "no lake at $home/lake (use --ledger-only to skip it)"
  run tar -C "$home" -cf "$work/lake.tar" lake
fi
if [[ $DRY_RUN == 1 ]]; then
  printf '[dry-run] sha256sum ledger.json%s > %s/MANIFEST.sha256\n' \
    "$([[ $with_lake == 1 ]] && printf ' lake.tar')" "$work"
  printf '[dry-run] mv %s %s\n' "$work" "$out"
else
  (cd "$work" && sha256sum ./* > MANIFEST.sha256)
  mv "$work" "$out"
  finished=1
  log "backup written to $out"
fi
