// Real-client harness: node-postgres (`pg` from npm, installed here by test.sh: npm ci).
// Connects with libpq's environment variables, which pg reads itself (PGHOST, PGPORT, PGUSER, PGPASSWORD,
// PGDATABASE; PGSSLMODE below), and prints one JSON line per step, values in the canonical text of
// tests/clients/README.md. Run: node tests/clients/node/client.js
'use strict';
const { Client, types } = require('pg');

// The server's own text for dates and timestamps: pg would otherwise make JavaScript Dates in local time.
for (const oid of [1082, 1114, 1184]) types.setTypeParser(oid, (text) => text);

const ROWS = 'SELECT order_id, customer_id, region, status, amount, discount, express, order_date, ordered_at, note ' +
  'FROM orders ORDER BY order_id';

function canonicalNumber(text) {
  if (!/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(text)) return text;
  let [whole, fraction = ''] = text.toLowerCase().includes('e') ? Number(text).toFixed(20).split('.') : text.split('.');
  fraction = fraction.replace(/0+$/, '');
  const result = fraction ? `${whole}.${fraction}` : whole;
  return result === '-0' ? '0' : result;
}

function canonicalTimestamp(text) {
  // 2026-06-18 13:49:39[.123456][+00[:30]]: a time zone (timestamptz) is turned into UTC, as every harness does.
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(\.\d+)?([+-]\d{2}(:?\d{2})?(:?\d{2})?)?$/.exec(text);
  if (!match) return text;
  let [, date, time, fraction = '', zone] = match;
  if (zone) {
    const instant = new Date(`${date}T${time}${zone.length === 3 ? zone + ':00' : zone}`);
    [date, time] = instant.toISOString().slice(0, 19).split('T');
  }
  fraction = fraction.replace(/0+$/, '');
  return `${date}T${time}${fraction === '.' ? '' : fraction}`;
}

function canonical(value, oid) {
  if (value === null || value === undefined) return null;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isNaN(value) ? null : canonicalNumber(String(value));
  if (oid === 1114 || oid === 1184) return canonicalTimestamp(value);
  if ([20, 21, 23, 700, 701, 1700].includes(oid)) return canonicalNumber(String(value));
  return String(value);
}

function emit(step, fields) {
  process.stdout.write(JSON.stringify({ client: 'node', step, ...fields }) + '\n');
}

function rows(result) {
  return result.rows.map((row) => result.fields.map((f, i) => canonical(row[i], f.dataTypeID)));
}

function ssl() {
  const mode = process.env.PGSSLMODE || 'prefer';
  if (mode === 'disable' || mode === 'allow' || mode === 'prefer') return false; // pg has no "try TLS, fall back"
  // Ladle's certificate is self-signed unless configured: require encrypts without checking the chain, as libpq does.
  return mode === 'require' ? { rejectUnauthorized: false } : true;
}

async function main() {
  const client = new Client({ ssl: ssl() });
  await client.connect();
  try {
    const version = await client.query({ text: 'SELECT version() AS version', rowMode: 'array' });
    emit('pg.version', { postgres: /^PostgreSQL 1\d/.test(version.rows[0][0]) });
    const all = await client.query({ text: ROWS, rowMode: 'array' });
    emit('pg.rows', { columns: all.fields.map((f) => [f.name, f.dataTypeID]), rows: rows(all) });
    // Parameters go as a Parse/Bind of the extended protocol: the server infers their types.
    const parameters = await client.query({
      text: 'SELECT order_id, amount, note FROM orders WHERE order_id = $1 OR region = $2 ORDER BY order_id',
      values: [3, 'EU'], rowMode: 'array',
    });
    emit('pg.parameters', { rows: rows(parameters) });
    const named = { name: 'by-customer', text: 'SELECT order_id, express, ordered_at FROM orders WHERE customer_id = $1 ORDER BY order_id', rowMode: 'array' };
    await client.query({ ...named, values: [8] });
    const again = await client.query({ ...named, values: [8] });
    emit('pg.prepared', { rows: rows(again) });
    const customers = await client.query({ text: 'SELECT customer_id, name, email, country FROM customers ORDER BY customer_id', rowMode: 'array' });
    emit('pg.customers', { rows: rows(customers) });
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  process.stderr.write(`node-postgres harness failed: ${error.code ? error.code + ' ' : ''}${error.message}\n`);
  process.exit(1);
});
