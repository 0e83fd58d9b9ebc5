"""Reads a PostgreSQL log (log_statement = 'all') on stdin and writes the corpus file of one client on stdout.

Keeps every distinct statement but the harness's own data queries (those reading the project's tables, the literal
type probe, SELECT 1), replays each on the capture database (PGDATABASE) to record the column names and type OIDs
PostgreSQL answers, and writes '-- ladle:query {json}' before each statement's text (tests/clients/README.md).
"""
import json
import re
import sys

import psycopg2

PREFIX = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] (\w+):  (.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]+): (.*)$", re.S)
PARAMETER = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")
DATA = re.compile(r"(?i)\bfrom\s+(orders|customers)\b|CAST\(1 AS int2\)|^SELECT 1 AS one$")


def messages(lines):
    current = None
    for line in lines:
        match = PREFIX.match(line)
        if match:
            if current:
                yield current
            current = [match.group(1), match.group(2), match.group(3)]
        elif current:
            current[2] += "\n" + (line[1:] if line.startswith("\t") else line)
    if current:
        yield current


def statements(lines):
    pending = {}  # pid -> index of its last statement, for the DETAIL with its parameters
    found = []
    for pid, level, text in messages(lines):
        if level == "LOG":
            match = STATEMENT.match(text)
            if match:
                found.append([match.group(1).rstrip(), []])
                pending[pid] = len(found) - 1
        elif level == "DETAIL" and text.startswith("parameters: ") and pid in pending:
            found[pending[pid]][1] = [None if v == "NULL" else v[1:-1].replace("''", "'") for _, v in PARAMETER.findall(text)]
    return found


def split(text):
    """The statements of a simple-query message that holds several (Npgsql's type loading), outside quotes and comments."""
    parts, start, i, n = [], 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "'\"":
            i = text.find(c, i + 1)
            if i < 0:
                break
        elif text.startswith("--", i):
            i = text.find("\n", i)
            if i < 0:
                break
        elif text.startswith("/*", i):
            i = text.find("*/", i) + 1
        elif c == ";":
            parts.append(text[start:i])
            start = i + 1
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def literal(value):
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def main():
    client, version = sys.argv[1], sys.argv[2]
    seen = set()
    connection = psycopg2.connect("")
    connection.autocommit = True
    print(f"-- Captured by tests/clients/capture-corpus.sh: what {client} sent to {version.split(' on ')[0]}, "
          "with the columns (name, type OID) it answered. Regenerate rather than edit.")
    for text, parameters in statements(sys.stdin.read().splitlines()):
        key = (text, tuple(parameters))
        if DATA.search(text) or key in seen:
            continue
        seen.add(key)
        # An untyped literal stands for a parameter the way an unspecified-type Bind value does.
        replay = re.sub(r"\$(\d+)", lambda m: literal(parameters[int(m.group(1)) - 1]), text) if parameters else text
        results = []
        try:
            for part in split(replay):
                with connection.cursor() as cursor:
                    cursor.execute(part.replace("%", "%%"))
                    results.append([[d.name, d.type_code] for d in cursor.description or []])
        except psycopg2.Error as error:
            print(f"{client}: skipped a statement PostgreSQL refused on replay ({error.pgcode}): {text[:80]}", file=sys.stderr)
            continue
        # One list of (name, type OID) per statement of the message: a simple query may hold several.
        print("-- ladle:query " + json.dumps({"results": results, "parameters": parameters}, ensure_ascii=False))
        print(text)
    connection.close()


if __name__ == "__main__":
    main()
