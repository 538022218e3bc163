#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL server.
#
#   scripts/with-postgres.sh <command> [args...]
#
# Starts a fresh cluster in a temporary directory (as an unprivileged user
# when run as root), listening only on 127.0.0.1 on a free port, exports
# DATABASE_URL / CLOACINA_TEST_POSTGRES_URL for the command, and stops and
# removes the cluster on every exit path. If CLOACINA_TEST_POSTGRES_URL or
# DATABASE_URL is already a postgres:// URL, that server is used as it is
# and nothing is started.
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 <command> [args...]" >&2
  exit 64
fi

given="${CLOACINA_TEST_POSTGRES_URL:-${DATABASE_URL:-}}"
case "$given" in
  postgres://*|postgresql://*)
    export CLOACINA_TEST_POSTGRES_URL="$given"
    export DATABASE_URL="$given"
    exec "$@"
    ;;
esac

find_pg_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
}

PG_BIN="$(find_pg_bin || true)"
if [ -z "$PG_BIN" ]; then
  cat >&2 <<'MSG'
error: no PostgreSQL server binaries (initdb, pg_ctl) were found.
The PostgreSQL tests never skip. Install the server and run again:
    sudo apt-get update && sudo apt-get install -y postgresql
or point PG_BIN at a directory holding initdb and pg_ctl,
or set DATABASE_URL=postgres://user:pass@host:port/db to use a running server.
MSG
  exit 69
fi

RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  PG_USER="${PG_USER:-postgres}"
  if ! id "$PG_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  RUN_AS=(runuser -u "$PG_USER" --)
fi

PG_TMP="$(mktemp -d "${TMPDIR:-/tmp}/cloacina-pg.XXXXXX")"
chmod 755 "$PG_TMP"
[ "${#RUN_AS[@]}" -gt 0 ] && chown "$PG_USER" "$PG_TMP"
PG_DATA="$PG_TMP/data"
PG_LOG="$PG_TMP/server.log"

PORT="${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 55432)}"

cleanup() {
  local rc=$?
  "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  exit $rc
}
trap cleanup EXIT INT TERM

"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U cloacina --auth=trust --encoding=UTF8 --locale=C >"$PG_TMP/initdb.log" 2>&1 || {
  cat "$PG_TMP/initdb.log" >&2; echo "error: initdb failed" >&2; exit 70; }

# A non-UTC server time zone on purpose: the parity rules say defaults must
# give the same instant whatever the server's time zone.
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -k $PG_TMP -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c timezone=America/New_York" \
  start >/dev/null || { cat "$PG_LOG" >&2; echo "error: the PostgreSQL server did not start" >&2; exit 70; }

"${RUN_AS[@]}" "$PG_BIN/createdb" -h 127.0.0.1 -p "$PORT" -U cloacina cloacina_test

export DATABASE_URL="postgres://cloacina@127.0.0.1:$PORT/cloacina_test"
export CLOACINA_TEST_POSTGRES_URL="$DATABASE_URL"
echo "with-postgres: PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT (DATABASE_URL exported)" >&2

set +e
"$@"
rc=$?
set -e
exit $rc
