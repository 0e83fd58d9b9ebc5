-- Captured by tests/clients/capture-corpus.sh: what python sent to PostgreSQL 15.18 (Debian 15.18-0+deb12u1), with the columns (name, type OID) it answered. Regenerate rather than edit.
-- ladle:query {"results": [[]], "parameters": []}
BEGIN
-- ladle:query {"results": [[]], "parameters": []}
ROLLBACK
-- ladle:query {"results": [[["oid", 26], ["typarray", 26]]], "parameters": []}
SELECT t.oid, typarray
FROM pg_type t JOIN pg_namespace ns
    ON typnamespace = ns.oid
WHERE typname = 'hstore';
-- ladle:query {"results": [[["version", 25]]], "parameters": []}
select pg_catalog.version()
-- ladle:query {"results": [[["current_schema", 19]]], "parameters": []}
select current_schema()
-- ladle:query {"results": [[["transaction_isolation", 25]]], "parameters": []}
show transaction isolation level
-- ladle:query {"results": [[["standard_conforming_strings", 25]]], "parameters": []}
show standard_conforming_strings
-- ladle:query {"results": [[["relname", 19]]], "parameters": []}
select relname from pg_class c join pg_namespace n on n.oid=c.relnamespace where n.nspname='retail' and relname='orders'
