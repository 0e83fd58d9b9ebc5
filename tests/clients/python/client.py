"""Real-client harness: psycopg2, and pandas.read_sql through SQLAlchemy (Debian's python3 packages).

Connects with libpq's environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE, PGDATABASE) and prints one JSON
line per step, every value in the canonical text of tests/clients/README.md, so any two servers' answers compare
line by line. Run with Debian's interpreter: /usr/bin/python3 tests/clients/python/client.py
"""
import datetime
import decimal
import json
import math
import sys

import psycopg2

ROWS = ("SELECT order_id, customer_id, region, status, amount, discount, express, order_date, ordered_at, note "
        "FROM orders ORDER BY order_id")
CUSTOMERS = "SELECT customer_id, name, email, country FROM customers ORDER BY customer_id"
AGGREGATE = "SELECT region, count(*) AS orders, sum(amount) AS amount FROM orders GROUP BY region ORDER BY region"


def canonical(value):
    """The text every harness writes for a value: comparable across clients, types and servers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        value = decimal.Decimal(repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "0") else text
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # a numpy scalar
        return canonical(value.item())
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        return text + (f".{value.microsecond:06d}".rstrip("0") if value.microsecond else "")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def emit(step, **fields):
    print(json.dumps({"client": "python", "step": step, **fields}, ensure_ascii=False), flush=True)


def psycopg2_steps():
    connection = psycopg2.connect("")  # every setting from the environment, as libpq reads it
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 AS one")
            emit("psycopg2.select1", rows=[[canonical(v) for v in r] for r in cursor.fetchall()])
            cursor.execute(ROWS)
            emit("psycopg2.rows",
                 columns=[[d.name, d.type_code] for d in cursor.description],
                 rows=[[canonical(v) for v in r] for r in cursor.fetchall()])
            # psycopg2 interpolates parameters on the client: the server sees literals.
            cursor.execute("SELECT order_id, amount, note FROM orders WHERE order_id = %s OR region = %s ORDER BY order_id",
                           (3, "EU"))
            emit("psycopg2.parameters", rows=[[canonical(v) for v in r] for r in cursor.fetchall()])
            cursor.execute(CUSTOMERS)
            emit("psycopg2.customers", rows=[[canonical(v) for v in r] for r in cursor.fetchall()])
            cursor.execute(AGGREGATE)
            emit("psycopg2.aggregate", rows=[[canonical(v) for v in r] for r in cursor.fetchall()])
        connection.rollback()
    finally:
        connection.close()


def pandas_steps():
    import pandas
    import sqlalchemy

    engine = sqlalchemy.create_engine("postgresql+psycopg2://")  # libpq's environment again
    try:
        with engine.connect() as connection:
            emit("sqlalchemy.has_table", orders=sqlalchemy.inspect(connection).has_table("orders", schema="retail"))
            frame = pandas.read_sql(sqlalchemy.text(ROWS), connection)
            emit("pandas.rows", columns=[str(c) for c in frame.columns],
                 rows=[[canonical(v) for v in row] for row in frame.itertuples(index=False, name=None)])
            frame = pandas.read_sql(sqlalchemy.text(CUSTOMERS), connection)
            emit("pandas.customers", rows=[[canonical(v) for v in row] for row in frame.itertuples(index=False, name=None)])
            frame = pandas.read_sql(sqlalchemy.text("SELECT region, amount FROM orders WHERE customer_id = :customer ORDER BY order_id"),
                                    connection, params={"customer": 8})
            emit("pandas.parameters", rows=[[canonical(v) for v in row] for row in frame.itertuples(index=False, name=None)])
    finally:
        engine.dispose()


def main():
    steps = sys.argv[1:] or ["psycopg2", "pandas"]
    if "psycopg2" in steps:
        psycopg2_steps()
    if "pandas" in steps:
        pandas_steps()


if __name__ == "__main__":
    main()
