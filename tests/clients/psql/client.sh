#!/usr/bin/env bash
# Real-client harness: psql's meta-commands and a query, with libpq's environment (PGHOST, PGPORT, PGUSER,
# PGPASSWORD, PGSSLMODE, PGDATABASE). Prints each step as '== step' and then psql's unaligned output ('|' between
# fields, <null> for NULL), which the tests parse (tests/clients/README.md).
set -euo pipefail
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

step() {
  local name="$1"; shift
  echo "== $name"
  psql -X -q -A -F '|' -P pager=off -P null='<null>' -v ON_ERROR_STOP=1 "$@"
}

step conninfo -c '\conninfo'
step l -c '\l'
step dn -c '\dn'
step dt -c '\dt'
step d.orders -c '\d orders'
step query -c 'SELECT order_id, customer_id, region, status, amount, discount, express, order_date, ordered_at, note FROM orders ORDER BY order_id'
step customers -c 'SELECT customer_id, name, email, country FROM customers ORDER BY customer_id'
step copy -c "\\copy (SELECT order_id, amount, ordered_at, note FROM orders WHERE region = 'EU' ORDER BY order_id) TO '$out/eu.csv' WITH (FORMAT csv, HEADER true)"
cat "$out/eu.csv"
