# Sourced by scripts/test and scripts/bench-store: `throwaway_postgres` starts a
# PostgreSQL server of the distribution's package (installing it if missing) in a temp
# dir, with trust auth, on a free loopback port, and exports its URL as
# KORRAL_TEST_POSTGRES_URL; the server is stopped and its dir deleted when the calling
# script exits. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
# Nothing is done when KORRAL_TEST_POSTGRES_URL is already set (a server of your own).

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

throwaway_postgres() {
    if [ -n "${KORRAL_TEST_POSTGRES_URL:-}" ]; then return; fi
    if [ ! -x "$(pg_bindir)/initdb" ] || { [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; }; then
        echo "installing postgresql for the store's tests" >&2
        local sudo=()
        [ "$(id -u)" = 0 ] || sudo=(sudo)
        "${sudo[@]}" apt-get update -qq
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    fi
    pg_bin="$(pg_bindir)"
    pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/korral-pg.XXXXXX")"
    as_pg=()
    if [ "$(id -u)" = 0 ]; then
        chown postgres "$pg_dir"
        as_pg=(runuser -u postgres --)
    fi
    trap stop_throwaway_postgres EXIT
    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U korral --auth=trust -E UTF8 --no-locale \
        >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log" >&2; return 1; }
    # fsync off: the data is thrown away, and tests and benchmarks write a lot.
    "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $pg_dir -c fsync=off -c max_connections=200" start >/dev/null ||
        { cat "$pg_dir/server.log" >&2; return 1; }
    export KORRAL_TEST_POSTGRES_URL="postgres://korral@127.0.0.1:$port/postgres"
}

stop_throwaway_postgres() {
    if [ -n "${pg_dir:-}" ]; then
        "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
        rm -rf "$pg_dir"
        pg_dir=
    fi
}
