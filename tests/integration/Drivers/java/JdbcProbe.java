import java.io.StringReader;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.postgresql.PGConnection;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyManager;

/**
 * Drives pgjdbc (Debian's libpostgresql-jdbc-java) against a server and prints one observation
 * per line; the C# test (Drivers/JdbcDriverTests.cs) asserts them. An unexpected exception prints
 * "error: SQLSTATE message" and exits 1.
 *
 * usage: java -cp .:postgresql.jar JdbcProbe SCENARIO HOST PORT USER PASSWORD
 */
public final class JdbcProbe {
    private static String host;
    private static String port;
    private static String user;
    private static String password;

    public static void main(String[] args) throws Exception {
        host = args[1];
        port = args[2];
        user = args[3];
        password = args[4];
        try {
            switch (args[0]) {
                case "types" -> types();
                case "threshold" -> threshold();
                case "fetchsize" -> fetchSize();
                case "stream" -> stream();
                case "batch" -> batch();
                case "errors" -> errors();
                case "conflict" -> conflict();
                case "cancel" -> cancel();
                case "settings" -> settings();
                case "copy" -> copy();
                case "tls" -> tls();
                default -> throw new IllegalArgumentException("unknown scenario " + args[0]);
            }
        } catch (SQLException error) {
            System.out.println("error: " + error.getSQLState() + " " + error.getMessage());
            System.out.flush();
            System.exit(1);
        }
    }

    private static Connection connect(String... extra) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (!password.isEmpty()) {
            properties.setProperty("password", password);
        }
        properties.setProperty("sslmode", "disable");
        properties.setProperty("connectTimeout", "15");
        for (int index = 0; index + 1 < extra.length; index += 2) {
            properties.setProperty(extra[index], extra[index + 1]);
        }
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/postgres", properties);
    }

    private static String table(String prefix) {
        return prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static void say(String line) {
        System.out.println(line);
    }

    /** Every supported type through setXxx and back, first as an unnamed statement, then server-prepared (binary). */
    private static void types() throws SQLException {
        try (Connection connection = connect("prepareThreshold", "2");
             PreparedStatement statement = connection.prepareStatement(
                 "SELECT ?::int2, ?::int4, ?::int8, ?::float8, ?::numeric, ?::text, ?::varchar, ?::bool, ?::date, "
                     + "?::timestamp, ?::timestamptz, ?::int4")) {
            List<String> first = null;
            for (int round = 1; round <= 4; round++) {
                statement.setShort(1, Short.MIN_VALUE);
                statement.setInt(2, Integer.MAX_VALUE);
                statement.setLong(3, Long.MIN_VALUE);
                statement.setDouble(4, 1.5e300);
                statement.setBigDecimal(5, new BigDecimal("12345678901234567890.123456789"));
                statement.setString(6, "héllo ✓ 'quoted' \\ \"x\"");
                statement.setString(7, "varchar");
                statement.setBoolean(8, true);
                statement.setDate(9, java.sql.Date.valueOf("2024-02-29"));
                statement.setTimestamp(10, Timestamp.valueOf("2024-02-29 13:14:15.123456"));
                statement.setObject(11, OffsetDateTime.of(1999, 12, 31, 23, 59, 59, 999_999_000, ZoneOffset.UTC));
                statement.setNull(12, Types.INTEGER);
                List<String> lines = new ArrayList<>();
                try (ResultSet results = statement.executeQuery()) {
                    ResultSetMetaData meta = results.getMetaData();
                    if (!results.next()) {
                        throw new IllegalStateException("no row");
                    }
                    for (int column = 1; column <= meta.getColumnCount(); column++) {
                        Object value = column == 11 ? results.getObject(column, OffsetDateTime.class) : results.getObject(column);
                        lines.add(meta.getColumnTypeName(column) + "|" + (value == null ? "null" : value.getClass().getSimpleName() + "|" + value));
                    }
                    if (results.next()) {
                        throw new IllegalStateException("more than one row");
                    }
                }
                if (first == null) {
                    first = lines;
                    lines.forEach(JdbcProbe::say);
                } else if (!first.equals(lines)) {
                    say("round " + round + " differs: " + lines);
                }
            }
            say("server-prepared: " + ((PGStatement) statement).isUseServerPrepare());
        }
    }

    /** A PreparedStatement past prepareThreshold becomes a named server statement; DISCARD ALL forgets it. */
    private static void threshold() throws SQLException {
        try (Connection connection = connect("prepareThreshold", "3");
             PreparedStatement statement = connection.prepareStatement("SELECT ?::int4 * 2, ?::text")) {
            List<String> answers = new ArrayList<>();
            List<Boolean> serverPrepared = new ArrayList<>();
            for (int round = 1; round <= 8; round++) {
                statement.setInt(1, round);
                statement.setString(2, "r" + round);
                try (ResultSet results = statement.executeQuery()) {
                    results.next();
                    answers.add(results.getInt(1) + results.getString(2));
                }
                serverPrepared.add(((PGStatement) statement).isUseServerPrepare());
            }
            say("answers: " + String.join(",", answers));
            say("server-prepared: " + serverPrepared);
            try (Statement plain = connection.createStatement()) {
                plain.execute("DISCARD ALL");
            }
            statement.setInt(1, 21);
            statement.setString(2, "after discard");
            try (ResultSet results = statement.executeQuery()) {
                results.next();
                say("after DISCARD ALL: " + results.getInt(1) + " " + results.getString(2));
            }
        }
    }

    /** The rows of each round trip: pgjdbc keeps the current batch in PgResultSet.rows. */
    private static List<Integer> drain(ResultSet results, long[] sumAndCount) throws Exception {
        Field rowsField = Class.forName("org.postgresql.jdbc.PgResultSet").getDeclaredField("rows");
        rowsField.setAccessible(true);
        List<Integer> batches = new ArrayList<>();
        Object current = null;
        long expected = 1;
        while (results.next()) {
            Object rows = rowsField.get(results);
            if (rows != current) {
                current = rows;
                batches.add(((List<?>) rows).size());
            }
            long id = results.getLong(1);
            if (id != expected++) {
                throw new IllegalStateException("row " + id + " where " + (expected - 1) + " was expected");
            }
            sumAndCount[0] += id;
            sumAndCount[1]++;
        }
        return batches;
    }

    /** executeBatch to fill a table, then fetch size: a portal executed 40 rows at a time. */
    /** A million generated rows read 100 at a time through one portal (the server must not hold them all). */
    private static void stream() throws Exception {
        String padding = "x".repeat(100);
        try (Connection connection = connect()) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.setFetchSize(100);
                long count = 0;
                long sum = 0;
                long length = 0;
                try (ResultSet results = statement.executeQuery("SELECT g, '" + padding + "' || g FROM generate_series(1, 1000000) g")) {
                    while (results.next()) {
                        count++;
                        sum += results.getLong(1);
                        length += results.getString(2).length();
                    }
                }
                say("rows " + count + " sum " + sum + " text " + length);
            }
            connection.commit();
        }
    }

    private static void fetchSize() throws Exception {
        String table = table("jdbc_fetch");
        try (Connection connection = connect()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE " + table + " (id bigint PRIMARY KEY, label text)");
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
                for (int id = 1; id <= 250; id++) {
                    insert.setLong(1, id);
                    insert.setString(2, "row " + id);
                    insert.addBatch();
                }
                int[] counts = insert.executeBatch();
                say("batch counts: " + counts.length + " all one: " + Arrays.stream(counts).allMatch(count -> count == 1));
            }
            connection.setAutoCommit(false); // pgjdbc uses a portal for fetch size only inside a transaction
            try (Statement statement = connection.createStatement()) {
                statement.setFetchSize(40);
                long[] sumAndCount = new long[2];
                try (ResultSet results = statement.executeQuery("SELECT id, label FROM " + table + " ORDER BY id")) {
                    List<Integer> batches = drain(results, sumAndCount);
                    say("statement: rows " + sumAndCount[1] + " sum " + sumAndCount[0] + " batches " + batches);
                }
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT id FROM " + table + " WHERE id <= ? ORDER BY id")) {
                statement.setFetchSize(100);
                statement.setLong(1, 230);
                long[] sumAndCount = new long[2];
                try (ResultSet results = statement.executeQuery()) {
                    List<Integer> batches = drain(results, sumAndCount);
                    say("prepared: rows " + sumAndCount[1] + " sum " + sumAndCount[0] + " batches " + batches);
                }
            }
            // Two portals open at once on one connection, read in turns.
            try (Statement first = connection.createStatement(); Statement second = connection.createStatement()) {
                first.setFetchSize(10);
                second.setFetchSize(10);
                try (ResultSet a = first.executeQuery("SELECT id FROM " + table + " ORDER BY id");
                     ResultSet b = second.executeQuery("SELECT id FROM " + table + " WHERE id > 200 ORDER BY id")) {
                    StringBuilder interleaved = new StringBuilder();
                    for (int step = 0; step < 12; step++) {
                        a.next();
                        b.next();
                        interleaved.append(a.getLong(1)).append('/').append(b.getLong(1)).append(' ');
                    }
                    say("interleaved: " + interleaved.toString().trim());
                }
            }
            connection.commit();
            connection.setAutoCommit(true);
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE " + table);
            }
        }
    }

    /** executeBatch: update counts, and a failing batch reports 23505 and changes nothing. */
    private static void batch() throws SQLException {
        String table = table("jdbc_batch");
        try (Connection connection = connect()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v text)");
                statement.addBatch("INSERT INTO " + table + " VALUES (1, 'a'), (2, 'b')");
                statement.addBatch("UPDATE " + table + " SET v = v || '!'");
                statement.addBatch("DELETE FROM " + table + " WHERE id = 2");
                say("statement batch: " + Arrays.toString(statement.executeBatch()));
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, ?)")) {
                for (int id : new int[] {10, 11, 1, 12}) {
                    insert.setInt(1, id);
                    insert.setString(2, "v" + id);
                    insert.addBatch();
                }
                try {
                    insert.executeBatch();
                    say("failing batch: no error");
                } catch (BatchUpdateException error) {
                    SQLException cause = error.getNextException() != null ? error.getNextException() : error;
                    say("failing batch: " + cause.getSQLState());
                }
            }
            try (Statement statement = connection.createStatement();
                 ResultSet results = statement.executeQuery("SELECT count(*), min(v) FROM " + table)) {
                results.next();
                say("rows after: " + results.getLong(1) + " " + results.getString(2));
                results.close();
                statement.execute("DROP TABLE " + table);
            }
        }
    }

    private static String sqlState(ThrowingRunnable action) {
        try {
            action.run();
            return "no error";
        } catch (SQLException error) {
            return error.getSQLState();
        }
    }

    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws SQLException;
    }

    private static void errors() throws SQLException {
        String table = table("jdbc_errors");
        try (Connection connection = connect()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY)");
                statement.execute("INSERT INTO " + table + " VALUES (1)");
            }
            say("syntax: " + sqlState(() -> {
                try (Statement statement = connection.createStatement()) {
                    statement.executeQuery("SELEC 1");
                }
            }));
            say("prepared syntax: " + sqlState(() -> {
                try (PreparedStatement statement = connection.prepareStatement("SELECT ? FROM WHERE")) {
                    statement.setInt(1, 1);
                    statement.executeQuery();
                }
            }));
            say("undefined table: " + sqlState(() -> {
                try (Statement statement = connection.createStatement()) {
                    statement.executeQuery("SELECT * FROM no_such_table_here");
                }
            }));
            say("unique: " + sqlState(() -> {
                try (PreparedStatement statement = connection.prepareStatement("INSERT INTO " + table + " VALUES (?)")) {
                    statement.setInt(1, 1);
                    statement.executeUpdate();
                }
            }));
            say("bad parameter: " + sqlState(() -> {
                try (PreparedStatement statement = connection.prepareStatement("SELECT ?::int4")) {
                    statement.setString(1, "twelve");
                    statement.executeQuery();
                }
            }));
            try (Statement statement = connection.createStatement();
                 ResultSet results = statement.executeQuery("SELECT count(*) FROM " + table)) {
                results.next();
                say("after errors: " + results.getLong(1));
                results.close();
                statement.execute("DROP TABLE " + table);
            }
        }
    }

    /** Two transactions write one row: the later one fails with 40001 (at UPDATE in PostgreSQL, at COMMIT in Log). */
    private static void conflict() throws SQLException {
        String table = table("jdbc_conflict");
        try (Connection first = connect(); Connection second = connect()) {
            try (Statement statement = second.createStatement()) {
                statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, v int)");
                statement.execute("INSERT INTO " + table + " VALUES (1, 0)");
            }
            first.setAutoCommit(false);
            first.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            try (Statement statement = first.createStatement(); ResultSet results = statement.executeQuery("SELECT v FROM " + table + " WHERE id = 1")) {
                results.next();
                say("first reads: " + results.getInt(1));
            }
            try (Statement statement = second.createStatement()) {
                say("second updates: " + statement.executeUpdate("UPDATE " + table + " SET v = 2 WHERE id = 1"));
            }
            say("first writes: " + sqlState(() -> {
                try (Statement statement = first.createStatement()) {
                    statement.executeUpdate("UPDATE " + table + " SET v = 1 WHERE id = 1");
                }
                first.commit();
            }));
            first.rollback();
            first.setAutoCommit(true);
            try (Statement statement = first.createStatement(); ResultSet results = statement.executeQuery("SELECT v FROM " + table + " WHERE id = 1")) {
                results.next();
                say("value: " + results.getInt(1));
                results.close();
                statement.execute("DROP TABLE " + table);
            }
        }
    }

    /** Statement.cancel() from another thread and setQueryTimeout both send a CancelRequest: 57014. */
    private static void cancel() throws Exception {
        try (Connection connection = connect(); Connection bystander = connect()) {
            Statement sleeping = connection.createStatement();
            AtomicReference<String> outcome = new AtomicReference<>("not finished");
            Thread runner = new Thread(() -> outcome.set(sqlState(() -> sleeping.execute("SELECT pg_sleep(30)"))));
            long start = System.nanoTime();
            runner.start();
            AtomicReference<String> bystanderSaw = new AtomicReference<>("not finished");
            Thread other = new Thread(() -> {
                try (Statement statement = bystander.createStatement();
                     ResultSet results = statement.executeQuery("SELECT 'bystander', pg_sleep(1.5)")) {
                    results.next();
                    bystanderSaw.set(results.getString(1));
                } catch (SQLException error) {
                    bystanderSaw.set(error.getSQLState());
                }
            });
            other.start();
            Thread.sleep(500);
            sleeping.cancel();
            runner.join(20_000);
            other.join(20_000);
            say("cancelled: " + outcome.get());
            say("cancelled within 10 s: " + ((System.nanoTime() - start) < 10_000_000_000L));
            say("bystander: " + bystanderSaw.get());
            try (Statement statement = connection.createStatement(); ResultSet results = statement.executeQuery("SELECT 7")) {
                results.next();
                say("after cancel: " + results.getInt(1));
            }
            try (PreparedStatement statement = connection.prepareStatement("SELECT pg_sleep(?)")) {
                statement.setQueryTimeout(1);
                statement.setDouble(1, 30);
                long timed = System.nanoTime();
                say("query timeout: " + sqlState(statement::executeQuery));
                say("query timeout within 10 s: " + ((System.nanoTime() - timed) < 10_000_000_000L));
            }
            try (Statement statement = connection.createStatement(); ResultSet results = statement.executeQuery("SELECT 8")) {
                results.next();
                say("after timeout: " + results.getInt(1));
            }
        }
    }

    /** ParameterStatus as pgjdbc tracks it, and the isolation level through JDBC's API. */
    private static void settings() throws SQLException {
        try (Connection connection = connect("ApplicationName", "jdbc-probe")) {
            PGConnection pg = connection.unwrap(PGConnection.class);
            say("application_name at start: " + pg.getParameterStatus("application_name"));
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET application_name = 'renamed'");
                say("application_name after SET: " + pg.getParameterStatus("application_name"));
                statement.execute("SET TimeZone = 'Europe/Paris'");
                say("TimeZone after SET: " + pg.getParameterStatus("TimeZone"));
                try (ResultSet results = statement.executeQuery("SELECT '2024-07-01 12:00:00+00'::timestamptz::text")) {
                    results.next();
                    say("timestamptz as text: " + results.getString(1));
                }
                statement.execute("SET statement_timeout = '1s'");
                try (ResultSet results = statement.executeQuery("SHOW statement_timeout")) {
                    results.next();
                    say("statement_timeout: " + results.getString(1));
                }
                statement.execute("RESET ALL");
                say("application_name after RESET ALL: [" + pg.getParameterStatus("application_name") + "]");
            }
            connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            say("isolation: " + (connection.getTransactionIsolation() == Connection.TRANSACTION_REPEATABLE_READ ? "repeatable read" : "other"));
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement(); ResultSet results = statement.executeQuery("SHOW transaction_isolation")) {
                results.next();
                say("in transaction: " + results.getString(1));
            }
            connection.commit();
        }
    }

    /** COPY through pgjdbc's CopyManager, text and CSV. */
    private static void copy() throws Exception {
        String table = table("jdbc_copy");
        try (Connection connection = connect()) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, name text, amount numeric)");
            }
            CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
            say("copied in text: " + copy.copyIn("COPY " + table + " FROM STDIN", new StringReader("1\tone\t1.5\n2\t\\N\t-2\n")));
            say("copied in csv: " + copy.copyIn("COPY " + table + " FROM STDIN WITH (FORMAT csv)", new StringReader("3,\"three, \"\"3\"\"\",0\n4,,\n")));
            StringWriter text = new StringWriter();
            say("copied out text: " + copy.copyOut("COPY " + table + " TO STDOUT", text));
            say("text: " + text.toString().replace("\t", "<TAB>").replace("\n", "<LF>"));
            StringWriter csv = new StringWriter();
            say("copied out csv: " + copy.copyOut("COPY " + table + " TO STDOUT WITH (FORMAT csv, HEADER)", csv));
            say("csv: " + csv.toString().replace("\n", "<LF>"));
            try (Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE " + table);
            }
        }
    }

    private static void tls() throws SQLException {
        try (Connection connection = connect("sslmode", "require");
             PreparedStatement statement = connection.prepareStatement("SELECT ?::int4 + 2")) {
            statement.setInt(1, 40);
            try (ResultSet results = statement.executeQuery()) {
                results.next();
                say("over tls: " + results.getInt(1));
            }
        }
    }
}
