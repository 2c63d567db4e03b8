#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests and benchmarks, from Debian's `postgresql` package:
#   scripts/pg-test-server.sh start DIR [--fast] [--owner PID]
#                                                  initialises DIR, starts a server on a free 127.0.0.1 port as a
#                                                  non-root user (the `postgres` account when run as root), with
#                                                  password (SCRAM) authentication and TLS offered (a self-signed
#                                                  certificate); prints the URL postgres://glassbox:PASSWORD@127.0.0.1:PORT/glassbox
#                                                  --fast: no fsync (tests; the benchmark keeps PostgreSQL's defaults)
#                                                  --owner PID: stop the server once process PID has ended (however
#                                                  it ended: a test process that crashed leaves no server behind)
#   scripts/pg-test-server.sh stop DIR             stops it and deletes DIR
#   scripts/pg-test-server.sh halt DIR             stops the server, keeping DIR (an outage, for the tests)
#   scripts/pg-test-server.sh restart DIR          starts a halted server again, on the same port with the same data
set -euo pipefail
cmd=${1:?start or stop}; dir=${2:?a folder for the server}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "pg-test-server: PostgreSQL's server is not installed (Debian: apt-get install postgresql; scripts/setup.sh --test does)" >&2
  exit 2
fi
as_server() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

case $cmd in
start)
  fast=(); owner=""
  shift 2
  while [ $# -gt 0 ]; do
    case $1 in
      --fast) fast=(-c fsync=off -c synchronous_commit=off -c full_page_writes=off) ;;
      --owner) owner=$2; shift ;;
      *) echo "pg-test-server: unknown option $1" >&2; exit 2 ;;
    esac
    shift
  done
  rm -rf "$dir"; mkdir -p "$dir"; chmod 700 "$dir"
  if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
    echo "pg-test-server: the postgres account cannot reach $(dirname "$dir"): choose a folder under /tmp" >&2; exit 1
  fi
  password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  echo "$password" > "$dir/pwfile"
  openssl req -new -x509 -days 2 -nodes -subj /CN=localhost -keyout "$dir/server.key" -out "$dir/server.crt" >/dev/null 2>&1
  chmod 600 "$dir/server.key" "$dir/pwfile"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir"
  as_server "$bin/initdb" -D "$dir/data" -U glassbox --auth=scram-sha-256 --pwfile="$dir/pwfile" -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
    || { echo "pg-test-server: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
  # A free port: the kernel picks one, and a few tries cover the race with another process taking it meanwhile.
  for try in 1 2 3 4 5; do
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key -c max_connections=200 ${fast[*]:-}"
    if as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$options" start >/dev/null 2>&1; then
      echo "$options" > "$dir/options"
      PGPASSWORD=$password "$bin/createdb" -h 127.0.0.1 -p "$port" -U glassbox glassbox
      echo "$port" > "$dir/port"
      if [ -n "$owner" ]; then
        setsid nohup bash -c "while kill -0 $owner 2>/dev/null; do sleep 1; done; '$0' stop '$dir'" >/dev/null 2>&1 < /dev/null &
      fi
      echo "postgres://glassbox:$password@127.0.0.1:$port/glassbox"
      exit 0
    fi
  done
  echo "pg-test-server: the server did not start:" >&2; tail -20 "$dir/server.log" >&2; exit 1
  ;;
stop)
  [ -d "$dir/data" ] && as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
halt)
  # A fast shutdown: the server ends every session (as when it is restarted), the data stays.
  as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null
  ;;
restart)
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "$(cat "$dir/options")" start >/dev/null \
    || { echo "pg-test-server: the server did not start again:" >&2; tail -20 "$dir/server.log" >&2; exit 1; }
  ;;
*) echo "usage: $0 start|stop|halt|restart DIR [--fast] [--owner PID]" >&2; exit 2 ;;
esac
