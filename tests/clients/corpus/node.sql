-- Captured by tests/clients/capture-corpus.sh: what node sent to PostgreSQL 15.18 (Debian 15.18-0+deb12u1), with the columns (name, type OID) it answered. Regenerate rather than edit.
-- ladle:query {"results": [[["version", 25]]], "parameters": []}
SELECT version() AS version
