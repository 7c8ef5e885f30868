#!/bin/sh
# Restore drill: deploy/restore.sh DUMP TARGET_URL restores a dump into an EMPTY database (never
# over the live one), then `python cli.py init` brings it to the current schema and checks it opens.
# Compare it with the live store (row counts, stock invariants) before trusting the backups.
set -eu
dump="${1:?usage: restore.sh DUMP TARGET_URL}"
target="${2:?usage: restore.sh DUMP TARGET_URL}"
url=$(printf '%s' "$target" | sed 's/^postgresql+[a-z0-9]*:/postgresql:/')
pg_restore --no-owner --exit-on-error --single-transaction --dbname "$url" "$dump"
here=$(dirname "$0")/..
cd "$here" && ORDERHUB_DATABASE_URL="$target" .venv/bin/python cli.py init
