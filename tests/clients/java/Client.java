import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * Real-client harness: pgjdbc (Debian's libpostgresql-jdbc-java), run as a single-file program:
 * {@code java -cp /usr/share/java/postgresql.jar tests/clients/java/Client.java}.
 * Takes PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSLMODE and PGDATABASE from the environment (pgjdbc reads none of
 * them itself) and prints one JSON line per step, values in the canonical text of tests/clients/README.md.
 */
public final class Client {
    private static final String ROWS = "SELECT order_id, customer_id, region, status, amount, discount, express, order_date, ordered_at, note "
        + "FROM orders ORDER BY order_id";

    public static void main(String[] args) throws SQLException {
        String url = "jdbc:postgresql://" + env("PGHOST", "127.0.0.1") + ":" + env("PGPORT", "5432") + "/" + env("PGDATABASE", "postgres");
        Properties properties = new Properties();
        properties.setProperty("user", env("PGUSER", "postgres"));
        if (System.getenv("PGPASSWORD") != null) properties.setProperty("password", System.getenv("PGPASSWORD"));
        String sslMode = env("PGSSLMODE", "prefer");
        properties.setProperty("sslmode", sslMode);
        // Ladle's certificate is self-signed unless configured: require/prefer encrypt without checking the chain, as libpq does.
        if (sslMode.equals("require") || sslMode.equals("prefer") || sslMode.equals("allow"))
            properties.setProperty("sslfactory", "org.postgresql.ssl.NonValidatingFactory");
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            DatabaseMetaData meta = connection.getMetaData();
            emit("jdbc.metadata", "\"product\":" + quote(meta.getDatabaseProductName()) + ",\"major\":" + meta.getDatabaseMajorVersion());

            List<String> tables = new ArrayList<>();
            try (ResultSet rs = meta.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
                while (rs.next()) tables.add("[" + quote(rs.getString("TABLE_SCHEM")) + "," + quote(rs.getString("TABLE_NAME")) + "]");
            }
            emit("jdbc.getTables", "\"tables\":[" + String.join(",", tables) + "]");

            List<String> columns = new ArrayList<>();
            try (ResultSet rs = meta.getColumns(null, "retail", "orders", "%")) {
                while (rs.next())
                    columns.add("[" + quote(rs.getString("COLUMN_NAME")) + "," + quote(rs.getString("TYPE_NAME")) + "," + rs.getInt("DATA_TYPE")
                        + "," + rs.getInt("ORDINAL_POSITION") + "]");
            }
            emit("jdbc.getColumns", "\"columns\":[" + String.join(",", columns) + "]");

            List<String> keys = new ArrayList<>();
            try (ResultSet rs = meta.getPrimaryKeys(null, "retail", "orders")) {
                while (rs.next()) keys.add(quote(rs.getString("COLUMN_NAME")));
            }
            emit("jdbc.getPrimaryKeys", "\"columns\":[" + String.join(",", keys) + "]");

            try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(ROWS)) {
                emit("jdbc.rows", rows(rs, true));
            }
            try (Statement statement = connection.createStatement();
                    ResultSet rs = statement.executeQuery("SELECT customer_id, name, email, country FROM customers ORDER BY customer_id")) {
                emit("jdbc.customers", rows(rs, false));
            }
            try (PreparedStatement statement = connection.prepareStatement(
                    "SELECT order_id, amount, note FROM orders WHERE order_id = ? OR region = ? ORDER BY order_id")) {
                // Run more than pgjdbc's prepareThreshold (5) times, so the server-side named statement is used too.
                String last = null;
                for (int i = 0; i < 7; i++) {
                    statement.setLong(1, 3);
                    statement.setString(2, "EU");
                    try (ResultSet rs = statement.executeQuery()) {
                        String answer = rows(rs, false);
                        if (last != null && !last.equals(answer)) throw new IllegalStateException("prepared statement answered differently on run " + i);
                        last = answer;
                    }
                }
                emit("jdbc.prepared", last);
            }
        }
    }

    private static String rows(ResultSet rs, boolean withColumns) throws SQLException {
        ResultSetMetaData meta = rs.getMetaData();
        StringBuilder out = new StringBuilder();
        if (withColumns) {
            out.append("\"columns\":[");
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                if (i > 1) out.append(',');
                out.append('[').append(quote(meta.getColumnLabel(i))).append(',').append(quote(meta.getColumnTypeName(i))).append(']');
            }
            out.append("],");
        }
        out.append("\"rows\":[");
        boolean first = true;
        while (rs.next()) {
            if (!first) out.append(',');
            first = false;
            out.append('[');
            for (int i = 1; i <= meta.getColumnCount(); i++) {
                if (i > 1) out.append(',');
                out.append(quote(canonical(rs.getObject(i))));
            }
            out.append(']');
        }
        return out.append(']').toString();
    }

    /** The text every harness writes for a value: comparable across clients, types and servers. */
    private static String canonical(Object value) {
        if (value == null) return null;
        if (value instanceof Boolean b) return b ? "true" : "false";
        if (value instanceof Double d) return d.isNaN() ? null : canonical(BigDecimal.valueOf(d));
        if (value instanceof Float f) return canonical(BigDecimal.valueOf(f.doubleValue()));
        if (value instanceof BigDecimal d) {
            String text = d.stripTrailingZeros().toPlainString();
            return text.equals("-0") ? "0" : text;
        }
        if (value instanceof Timestamp t) return canonical(t.toLocalDateTime());
        if (value instanceof LocalDateTime t) {
            String text = t.format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss"));
            if (t.getNano() == 0) return text;
            return text + String.format(".%06d", t.getNano() / 1000).replaceAll("0+$", "");
        }
        if (value instanceof Date d) return d.toLocalDate().toString();
        return value.toString();
    }

    private static void emit(String step, String fields) {
        System.out.println("{\"client\":\"java\",\"step\":\"" + step + "\"," + fields + "}");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    private static String quote(String text) {
        if (text == null) return "null";
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        return out.append('"').toString();
    }
}
