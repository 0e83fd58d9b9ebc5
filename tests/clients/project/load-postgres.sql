-- Loads the project's CSV files into the PostgreSQL database psql is connected to, shaped as Ladle serves them:
-- a schema per domain, both on the database's search path, each column of the type Ladle's wire states for it.
-- Run from this folder: psql -v ON_ERROR_STOP=1 -f load-postgres.sql (the capture script and the tests do).
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS retail CASCADE;
DROP SCHEMA IF EXISTS crm CASCADE;
CREATE SCHEMA retail;
CREATE SCHEMA crm;
CREATE TABLE retail.orders (
  order_id bigint PRIMARY KEY,
  customer_id bigint,
  region text,
  status text,
  amount numeric,
  discount double precision,
  express boolean,
  order_date date,
  ordered_at timestamp,
  note text
);
COMMENT ON TABLE retail.orders IS 'One row per order.';
COMMENT ON COLUMN retail.orders.order_id IS 'Order number.';
COMMENT ON COLUMN retail.orders.customer_id IS 'The customer who placed the order.';
COMMENT ON COLUMN retail.orders.amount IS 'Amount charged, in EUR.';
CREATE TABLE crm.customers (
  customer_id bigint PRIMARY KEY,
  name text,
  email text,
  country text
);
COMMENT ON TABLE crm.customers IS 'Customers.';
\copy retail.orders FROM 'data/orders.csv' WITH (FORMAT csv, HEADER true)
\copy crm.customers FROM 'data/customers.csv' WITH (FORMAT csv, HEADER true)
SELECT format('ALTER DATABASE %I SET search_path = retail, crm, public', current_database()) \gexec
