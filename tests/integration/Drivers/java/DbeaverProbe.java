import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Replays DBeaver's queries (Drivers/dbeaver/navigator.sql) and pgjdbc's DatabaseMetaData calls through pgjdbc and
 * prints every answer in a form that can be compared between Log and PostgreSQL: one block per query, headed
 * "== NAME", then "columns: name:type ...", then the rows sorted (or only their count for "compare: shape").
 * What legitimately differs between two servers is normalised: oids of user objects (16384 and above) print as
 * <oid>, transaction ids as <xid>, the database's and the user's names as <database> and <user> (in ACLs too),
 * node trees (pg_node_tree: PostgreSQL's internal serialisation of an expression, which clients only pass to
 * pg_get_expr) as <node tree>, and the columns a query's "-- vary:" directive names as <varies>. Two things of the
 * reference server are left out as not PostgreSQL's own: the pg_attver attribute option this PostgreSQL build adds
 * to every column's attoptions, and the index statistics getIndexInfo reports (CARDINALITY, PAGES). A query that
 * fails prints "error: SQLSTATE message" as its answer, so one failure does not hide the others.
 *
 * usage: java -cp .:postgresql.jar DbeaverProbe MODE HOST PORT USER PASSWORD DATABASE FILE
 *   MODE setup    runs FILE statement by statement (the schema)
 *   MODE replay   runs FILE's queries, then the DatabaseMetaData calls, printing every answer
 *   MODE navigator-time   runs the navigator's queries (schemas, tables, columns, constraints, indexes) of FILE
 *                         3 times and prints "navigator ms: MEDIAN [RUN, RUN, RUN] rows: ROWS" (rows read per run)
 */
public final class DbeaverProbe {
    private static final long FIRST_USER_OID = 16384;
    private static final Set<String> OID_TYPES = Set.of("oid", "_oid", "oidvector");
    private static final Set<String> XID_TYPES = Set.of("xid", "xid8", "cid", "_xid");
    private static final int NAVIGATOR_RUNS = 3;
    /** What DBeaver reads to open its navigator on a schema: schemas, then tables, columns, keys and indexes. */
    private static final List<String> NAVIGATOR_QUERIES = List.of("navigator.schemas", "navigator.tables", "navigator.inheritance",
        "navigator.columns", "navigator.constraints", "navigator.indexes");

    /** Statistics of getIndexInfo (pg_class.reltuples and relpages of the index), which Log does not keep. */
    private static final Set<String> STATISTICS_COLUMNS = Set.of("cardinality", "pages");
    private static final Pattern ATTRIBUTE_VERSION_OPTION = Pattern.compile("pg_attver=[0-9]+,?");

    private static String database;
    private static String user;
    private static Pattern userInAcl;

    private record Query(String name, String sql, List<String> binds, boolean shapeOnly, Set<String> varying) { }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        user = args[3];
        database = args[5];
        userInAcl = Pattern.compile("(^|[{,/\"])" + Pattern.quote(user) + "(?=[=,}/\"]|$)");
        Properties properties = new Properties();
        properties.setProperty("user", user);
        if (!args[4].isEmpty()) {
            properties.setProperty("password", args[4]);
        }
        properties.setProperty("sslmode", "disable");
        properties.setProperty("connectTimeout", "15");
        // DBeaver's own connection properties (PostgreDataSource.getInternalConnectionProperties).
        properties.setProperty("ApplicationName", "DBeaver probe");
        properties.setProperty("prepareThreshold", "0");
        String url = "jdbc:postgresql://" + args[1] + ":" + args[2] + "/" + database;
        List<Query> queries = parse(Files.readString(Path.of(args[6])));
        try (Connection connection = DriverManager.getConnection(url, properties)) {
            switch (mode) {
                case "setup" -> {
                    try (Statement statement = connection.createStatement()) {
                        for (Query query : queries) {
                            statement.execute(query.sql());
                        }
                    }
                }
                case "replay" -> {
                    for (Query query : queries) {
                        System.out.println("== " + query.name() + (query.shapeOnly() ? " [shape]" : ""));
                        try (PreparedStatement statement = connection.prepareStatement(query.sql())) {
                            bind(connection, statement, query.binds());
                            if (statement.execute()) {
                                try (ResultSet result = statement.getResultSet()) {
                                    print(result, query.shapeOnly(), query.varying());
                                }
                            } else {
                                System.out.println("count: " + statement.getUpdateCount());
                            }
                        } catch (SQLException error) {
                            System.out.println("error: " + error.getSQLState() + " " + error.getMessage().split("\n")[0]);
                        }
                    }
                    metadata(connection.getMetaData());
                }
                case "navigator-time" -> navigatorTime(connection, queries);
                default -> throw new IllegalArgumentException("unknown mode " + mode);
            }
        } catch (SQLException error) {
            System.out.println("error: " + error.getSQLState() + " " + error.getMessage());
            System.out.flush();
            System.exit(1);
        }
    }

    /** Splits the script into statements (a line ending with ';' ends one) with the directives before each. */
    private static List<Query> parse(String script) {
        List<Query> queries = new ArrayList<>();
        String name = null;
        List<String> binds = new ArrayList<>();
        boolean shapeOnly = false;
        Set<String> varying = new HashSet<>();
        StringBuilder sql = new StringBuilder();
        for (String line : script.split("\n", -1)) {
            String trimmed = line.trim();
            if (sql.length() == 0 && trimmed.startsWith("--")) {
                String directive = trimmed.substring(2).trim();
                if (directive.startsWith("query:")) {
                    name = directive.substring(6).trim();
                } else if (directive.startsWith("bind:")) {
                    Collections.addAll(binds, directive.substring(5).trim().split("\\s+"));
                } else if (directive.equals("compare: shape")) {
                    shapeOnly = true;
                } else if (directive.startsWith("vary:")) {
                    Collections.addAll(varying, directive.substring(5).trim().split("\\s+"));
                }
                continue;
            }
            if (sql.length() == 0 && trimmed.isEmpty()) {
                continue;
            }
            sql.append(line).append('\n');
            if (trimmed.endsWith(";")) {
                String text = sql.toString().trim();
                queries.add(new Query(name == null ? "statement " + (queries.size() + 1) : name,
                    text.substring(0, text.length() - 1), List.copyOf(binds), shapeOnly, Set.copyOf(varying)));
                name = null;
                binds.clear();
                shapeOnly = false;
                varying.clear();
                sql.setLength(0);
            }
        }
        return queries;
    }

    /** Binds the parameters as DBeaver does: object ids with setLong, names with setString. */
    private static void bind(Connection connection, PreparedStatement statement, List<String> binds) throws SQLException {
        int index = 1;
        for (String bind : binds) {
            if (bind.equals("schema")) {
                statement.setLong(index, oidOf(connection, "SELECT oid FROM pg_catalog.pg_namespace WHERE nspname = 'public'"));
            } else if (bind.startsWith("table=") || bind.startsWith("index=")) {
                String relation = bind.substring(bind.indexOf('=') + 1);
                statement.setLong(index, oidOf(connection, "SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                    + " ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relname = '" + relation + "'"));
            } else if (bind.equals("database")) {
                statement.setString(index, database);
            } else if (bind.startsWith("text=")) {
                statement.setString(index, bind.substring(5));
            } else if (bind.startsWith("int=")) {
                statement.setInt(index, Integer.parseInt(bind.substring(4)));
            } else if (bind.startsWith("decimal=")) {
                statement.setBigDecimal(index, new java.math.BigDecimal(bind.substring(8)));
            } else if (bind.startsWith("timestamp=")) {
                statement.setTimestamp(index, java.sql.Timestamp.valueOf(java.time.LocalDateTime.parse(bind.substring(10))));
            } else {
                throw new IllegalArgumentException("unknown bind " + bind);
            }
            index++;
        }
    }

    private static long oidOf(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet result = statement.executeQuery(sql)) {
            if (!result.next()) {
                throw new SQLException("no object for " + sql);
            }
            return result.getLong(1);
        }
    }

    private static void metadata(DatabaseMetaData metadata) {
        call("metadata.getSchemas", () -> metadata.getSchemas());
        call("metadata.getTables", () -> metadata.getTables(null, "public", "%", null));
        call("metadata.getColumns", () -> metadata.getColumns(null, "public", "%", "%"));
        call("metadata.getPrimaryKeys", () -> metadata.getPrimaryKeys(null, "public", "orders"));
        call("metadata.getIndexInfo", () -> metadata.getIndexInfo(null, "public", "orders", false, false));
        call("metadata.getImportedKeys", () -> metadata.getImportedKeys(null, "public", "orders"));
        call("metadata.getExportedKeys", () -> metadata.getExportedKeys(null, "public", "customers"));
        call("metadata.getTypeInfo", () -> metadata.getTypeInfo());
        call("metadata.getProcedures", () -> metadata.getProcedures(null, "public", "%"));
        call("metadata.getFunctions", () -> metadata.getFunctions(null, "public", "%"));
        call("metadata.getTablePrivileges", () -> metadata.getTablePrivileges(null, "public", "orders"));
        call("metadata.getColumnPrivileges", () -> metadata.getColumnPrivileges(null, "public", "orders", "%"));
        call("metadata.getBestRowIdentifier", () -> metadata.getBestRowIdentifier(null, "public", "orders", DatabaseMetaData.bestRowSession, true));
        call("metadata.getVersionColumns", () -> metadata.getVersionColumns(null, "public", "orders"));
        call("metadata.getClientInfoProperties", () -> metadata.getClientInfoProperties());
        call("metadata.getCrossReference", () -> metadata.getCrossReference(null, "public", "customers", null, "public", "orders"));
        call("metadata.getUDTs", () -> metadata.getUDTs(null, "public", "%", null));
        call("metadata.getPseudoColumns", () -> metadata.getPseudoColumns(null, "public", "orders", "%"));
    }

    private interface MetadataCall {
        ResultSet run() throws SQLException;
    }

    private static void call(String name, MetadataCall call) {
        System.out.println("== " + name);
        try (ResultSet result = call.run()) {
            print(result, false, name.equals("metadata.getIndexInfo") ? STATISTICS_COLUMNS : Set.of());
        } catch (SQLException error) {
            System.out.println("error: " + error.getSQLState() + " " + error.getMessage().split("\n")[0]);
        }
    }

    private static void print(ResultSet result, boolean shapeOnly, Set<String> varying) throws SQLException {
        ResultSetMetaData columns = result.getMetaData();
        StringBuilder header = new StringBuilder("columns:");
        for (int column = 1; column <= columns.getColumnCount(); column++) {
            header.append(' ').append(columns.getColumnLabel(column)).append(':').append(columns.getColumnTypeName(column));
        }
        System.out.println(header);
        List<String> rows = new ArrayList<>();
        while (result.next()) {
            StringBuilder row = new StringBuilder();
            for (int column = 1; column <= columns.getColumnCount(); column++) {
                if (column > 1) {
                    row.append('|');
                }
                String value = result.getString(column);
                row.append(varying.contains(columns.getColumnLabel(column).toLowerCase()) ? (value == null ? "NULL" : "<varies>")
                    : normalise(columns.getColumnTypeName(column), value));
            }
            rows.add(row.toString());
        }
        if (shapeOnly) {
            System.out.println("rows: " + rows.size());
            return;
        }
        Collections.sort(rows);
        for (String row : rows) {
            System.out.println("row: " + row);
        }
    }

    private static String normalise(String type, String value) {
        if (value == null) {
            return "NULL";
        }
        if (OID_TYPES.contains(type)) {
            return normaliseNumbers(value, "<oid>");
        }
        if (XID_TYPES.contains(type)) {
            return normaliseNumbers(value, "<xid>");
        }
        if (value.equals(database)) {
            return "<database>";
        }
        if (value.equals(user)) {
            return "<user>";
        }
        if (type.equals("pg_node_tree")) {
            return "<node tree>";
        }
        if (type.equals("_aclitem")) {
            return userInAcl.matcher(value).replaceAll("$1<user>");
        }
        if (type.equals("_text") && value.contains("pg_attver=")) {
            String options = ATTRIBUTE_VERSION_OPTION.matcher(value).replaceAll("").replace(",}", "}");
            return options.equals("{}") ? "NULL" : options;
        }
        return value.replace("\n", "\\n");
    }

    /** Each number in an oid or oid list: built-in ones (below 16384) kept, since they must be PostgreSQL's own. */
    private static String normaliseNumbers(String value, String placeholder) {
        StringBuilder normalised = new StringBuilder();
        StringBuilder number = new StringBuilder();
        for (int index = 0; index <= value.length(); index++) {
            char character = index < value.length() ? value.charAt(index) : ' ';
            if (Character.isDigit(character)) {
                number.append(character);
                continue;
            }
            if (number.length() > 0) {
                boolean user = placeholder.equals("<xid>") ? Long.parseLong(number.toString()) != 0
                    : Long.parseLong(number.toString()) >= FIRST_USER_OID;
                normalised.append(user ? placeholder : number);
                number.setLength(0);
            }
            if (index < value.length()) {
                normalised.append(character);
            }
        }
        return normalised.toString();
    }

    /** The navigator's queries (NAVIGATOR_QUERIES) run NAVIGATOR_RUNS times; the median of the runs' times. */
    private static void navigatorTime(Connection connection, List<Query> queries) throws SQLException {
        List<Long> runs = new ArrayList<>();
        long rows = 0;
        for (int run = 0; run < NAVIGATOR_RUNS; run++) {
            rows = 0;
            long start = System.nanoTime();
            for (Query query : queries) {
                if (!NAVIGATOR_QUERIES.contains(query.name())) {
                    continue;
                }
                try (PreparedStatement statement = connection.prepareStatement(query.sql())) {
                    bind(connection, statement, query.binds());
                    try (ResultSet result = statement.executeQuery()) {
                        int columnCount = result.getMetaData().getColumnCount();
                        while (result.next()) {
                            rows++;
                            for (int column = 1; column <= columnCount; column++) {
                                result.getString(column);
                            }
                        }
                    }
                }
            }
            runs.add((System.nanoTime() - start) / 1_000_000);
        }
        List<Long> sorted = new ArrayList<>(runs);
        Collections.sort(sorted);
        System.out.println("navigator ms: " + sorted.get(sorted.size() / 2) + " " + runs + " rows: " + rows);
    }
}
