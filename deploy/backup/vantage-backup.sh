#!/usr/bin/env bash
# Online backup of the coordinator's SQLite database, safe while the coordinator runs.
#
# usage: vantage-backup.sh DATABASE OUTFILE
#   e.g. vantage-backup.sh /var/lib/vantage-coordinator/coordinator.sqlite /srv/backup/vantage-$(date -u +%FT%H%MZ).sqlite
#
# `VACUUM INTO` copies one consistent snapshot (a single read transaction; the coordinator keeps writing, WAL
# readers never block it) into a new, compacted file. The source is opened read-only (mode=ro), so the backup
# never creates -wal/-shm files owned by the wrong user. The copy is checked with PRAGMA integrity_check and
# only then renamed to OUTFILE; an existing OUTFILE is never overwritten. Needs the sqlite3 CLI (Debian: sqlite3).
set -euo pipefail
db=${1:?usage: vantage-backup.sh DATABASE OUTFILE}
out=${2:?usage: vantage-backup.sh DATABASE OUTFILE}
[[ -f $db ]] || { echo "vantage-backup: no database at $db" >&2; exit 1; }
[[ -e $out ]] && { echo "vantage-backup: $out exists; refusing to overwrite" >&2; exit 1; }
partial="$out.partial"
rm -f "$partial"
trap 'rm -f "$partial"' EXIT
umask 077
# Single quotes in the path are doubled for the SQL string literal.
sqlite3 -bail -cmd ".timeout 10000" "file:$db?mode=ro" "VACUUM INTO '${partial//\'/\'\'}';"
# A read-only connection still creates the -wal/-shm files when the coordinator is not running; as root, give
# them to the database's owner so the coordinator (DynamicUser=, container uid) can open them later.
if [[ $(id -u) == 0 ]]; then
    for f in "$db-wal" "$db-shm"; do if [[ -e $f ]]; then chown --reference="$db" "$f"; fi; done
fi
check=$(sqlite3 -bail "file:$partial?mode=ro" "PRAGMA integrity_check;")
[[ $check == ok ]] || { echo "vantage-backup: integrity_check of the copy failed: $check" >&2; exit 1; }
mv "$partial" "$out"
trap - EXIT
echo "vantage-backup: $out ($(sqlite3 "file:$out?mode=ro" "SELECT COALESCE(MAX(version), 0) FROM pin_lists;") = latest pin list version)"
