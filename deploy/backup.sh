#!/bin/sh
# pg_dump of ORDERHUB_DATABASE_URL into ORDERHUB_BACKUP_DIR as orderhub-YYYYmmdd-HHMMSS.dump
# (custom format: pg_restore can restore all of it or single tables), then drops dumps older
# than ORDERHUB_BACKUP_KEEP_DAYS days. The dump is written under a temporary name and renamed
# only when complete, so a half-written file is never mistaken for a backup.
set -eu
: "${ORDERHUB_DATABASE_URL:?set ORDERHUB_DATABASE_URL}"
dir="${ORDERHUB_BACKUP_DIR:-/var/backups/orderhub}"
keep="${ORDERHUB_BACKUP_KEEP_DAYS:-14}"
url=$(printf '%s' "$ORDERHUB_DATABASE_URL" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')  # libpq has no "+driver"
mkdir -p "$dir"
name="orderhub-$(date +%Y%m%d-%H%M%S).dump"
pg_dump --format=custom --no-owner --file "$dir/.$name.partial" "$url"
mv "$dir/.$name.partial" "$dir/$name"
find "$dir" -maxdepth 1 -name 'orderhub-*.dump' -mtime +"$keep" -delete
echo "$dir/$name"
