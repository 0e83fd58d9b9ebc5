#!/usr/bin/env bash
# Regenerates tests/clients/corpus/<client>.sql: every catalog, metadata and session statement each real client
# sends, recorded from a real PostgreSQL 15 (log_statement = 'all' on a database of its own), each with the column
# names and type OIDs PostgreSQL answered. CapturedQueryCorpus (tests/Ladle.Cli.Tests) replays them against an
# endpoint and asserts the same shapes.
#
#   tests/clients/capture-corpus.sh            # PGHOST/PGPORT/PGUSER[/PGPASSWORD] of the server, PG_LOG its log file
#
# Defaults: the helper server 127.0.0.1:55501 whose stderr goes to /tmp/helper-pg/log. With ./test.sh's server:
#   PGPORT=55432 PG_LOG=/tmp/ladle-test-pg-55432/server.log tests/clients/capture-corpus.sh
set -euo pipefail
cd "$(dirname "$0")"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-55501}" PGUSER="${PGUSER:-postgres}" PGSSLMODE="${PGSSLMODE:-disable}"
PG_LOG="${PG_LOG:-/tmp/helper-pg/log}"
DB="${LADLE_CORPUS_DB:-ladle_corpus}"
[ -r "$PG_LOG" ] || { echo "cannot read the server's log $PG_LOG (set PG_LOG)" >&2; exit 1; }

psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB"
(cd project && PGDATABASE="$DB" psql -X -q -v ON_ERROR_STOP=1 -f load-postgres.sql)
# Set after loading, so only the clients' statements are logged; new sessions of this database only.
psql -X -q -d postgres -v ON_ERROR_STOP=1 -c "ALTER DATABASE $DB SET log_statement = 'all'" -c "ALTER DATABASE $DB SET log_min_error_statement = 'error'"
dotnet build npgsql -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null

run() {
  case "$1" in
    psql) bash psql/client.sh ;;
    npgsql) dotnet npgsql/bin/Release/net10.0/ladle-client-npgsql.dll ;;
    python) /usr/bin/python3 python/client.py ;;
    java) java -cp /usr/share/java/postgresql.jar java/Client.java ;;
    node) node node/client.js ;;
  esac
}

for client in psql npgsql python java node; do
  offset=$(stat -c %s "$PG_LOG")
  PGDATABASE="$DB" run "$client" >/dev/null
  sleep 0.5 # the server writes its last lines after the client has gone
  tail -c +"$((offset + 1))" "$PG_LOG" | PGDATABASE="$DB" /usr/bin/python3 corpus_extract.py "$client" "$(psql -X -Atc 'SELECT version()' -d "$DB")" > "corpus/$client.sql"
  echo "$client: $(grep -c '^-- ladle:query' "corpus/$client.sql") statements"
done

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
