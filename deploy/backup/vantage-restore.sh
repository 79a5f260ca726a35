#!/usr/bin/env bash
# Restores a backup made by vantage-backup.sh. STOP THE COORDINATOR FIRST (systemctl stop vantage-coordinator,
# or scale the StatefulSet to 0); start it again afterwards.
#
# usage: vantage-restore.sh BACKUP DATABASE
#   e.g. vantage-restore.sh /srv/backup/vantage-2026-01-01T0000Z.sqlite /var/lib/vantage-coordinator/coordinator.sqlite
#
# The backup is checked (integrity_check) before anything is touched; the current database and its -wal/-shm
# files are moved aside to DATABASE.before-restore-<time> (not deleted). On start the coordinator runs any
# pending schema migrations (a backup from an older release is upgraded) and serves the restored pin lists.
set -euo pipefail
backup=${1:?usage: vantage-restore.sh BACKUP DATABASE}
db=${2:?usage: vantage-restore.sh BACKUP DATABASE}
[[ -f $backup ]] || { echo "vantage-restore: no backup at $backup" >&2; exit 1; }
check=$(sqlite3 -bail "file:$backup?mode=ro" "PRAGMA integrity_check;")
[[ $check == ok ]] || { echo "vantage-restore: integrity_check of $backup failed: $check" >&2; exit 1; }
umask 077
aside="$db.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
for suffix in "" -wal -shm; do
    if [[ -e $db$suffix ]]; then mv "$db$suffix" "$aside$suffix"; fi
done
cp "$backup" "$db.restoring"
# Keep the owner of the state directory (systemd DynamicUser=, the container's uid) when run as root.
if [[ $(id -u) == 0 ]]; then chown --reference="$(dirname "$db")" "$db.restoring"; fi
mv "$db.restoring" "$db"
echo "vantage-restore: restored $backup to $db (previous files, if any: $aside*)"
