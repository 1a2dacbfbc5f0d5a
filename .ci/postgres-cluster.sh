# Sourced by .ci/run: starts a throwaway PostgreSQL cluster for the store tests (a unix socket in a temporary
# folder with trust, a loopback port with SCRAM passwords so the tests exercise real authentication; fsync off:
# it holds nothing worth keeping), exports OBJTRACE_TEST_POSTGRES (with a random password) and stops and
# removes the cluster when the calling shell exits.
pg_bin=""
for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && pg_bin="$d"; done
if [ -z "$pg_bin" ] && command -v initdb >/dev/null 2>&1; then pg_bin="$(dirname "$(command -v initdb)")"; fi
if [ -z "$pg_bin" ]; then
    echo "postgres-cluster: no initdb found (install Debian's postgresql package)" >&2
    return 1
fi
pg_dir="$(mktemp -d /tmp/objtrace-ci-pg.XXXXXX)"
pg_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
# PostgreSQL refuses to run as root: run the server as the postgres user (Debian's package creates it).
pg_as=()
if [ "$(id -u)" -eq 0 ]; then
    chown postgres "$pg_dir"
    pg_as=(runuser -u postgres --)
fi
"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U objtrace --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >"$pg_dir/initdb.log" 2>&1 \
    || { cat "$pg_dir/initdb.log" >&2; return 1; }
"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100" start >/dev/null \
    || { cat "$pg_dir/server.log" >&2; return 1; }
objtrace_stop_postgres() {
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
}
trap objtrace_stop_postgres EXIT
pg_password="$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
"$pg_bin/psql" -h "$pg_dir" -p "$pg_port" -U objtrace -d postgres -qc "ALTER ROLE objtrace PASSWORD '$pg_password'" >/dev/null
export OBJTRACE_TEST_POSTGRES="postgres://objtrace:$pg_password@127.0.0.1:$pg_port/postgres"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') for the tests at postgres://objtrace@127.0.0.1:$pg_port/postgres (stopped on exit)"
