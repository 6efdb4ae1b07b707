"""The psycopg2 helpers and asyncpg's type introspection against a server, printed one observation per line so that
the output on Log can be compared with the output on PostgreSQL 15 (Drivers/PythonClientTests.cs). Every step that
fails prints its error and the probe goes on (probe_steps.py).

usage: /usr/bin/python3 pyclients_probe.py SCENARIO HOST PORT USER PASSWORD [DATABASE]
SCENARIO: psycopg2-extras | asyncpg-introspection | asyncpg-records | catalog-functions
(asyncpg-records and psycopg2-extras also copy both ways, in text, CSV and binary format)
"""
import asyncio
import decimal
import io
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # python3 -I leaves the script's folder off the path
from probe_steps import astep, step  # noqa: E402

SCENARIO, HOST, PORT, USER, PASSWORD = sys.argv[1:6]
DATABASE = sys.argv[6] if len(sys.argv) > 6 else "postgres"


def psycopg2_connect():
    import psycopg2
    options = dict(host=HOST, port=int(PORT), user=USER, dbname=DATABASE, sslmode="disable", connect_timeout=15)
    if PASSWORD:
        options["password"] = PASSWORD
    return psycopg2.connect(**options)


def psycopg2_extras():
    import psycopg2
    import psycopg2.extras
    connection = psycopg2_connect()
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("DROP TABLE IF EXISTS pe_items")
    cursor.execute("CREATE TABLE pe_items (id int PRIMARY KEY, token uuid, doc jsonb, label text)")
    step("register_default_jsonb", lambda: psycopg2.extras.register_default_jsonb(connection, loads=json.loads) is None)
    step("register_uuid", lambda: psycopg2.extras.register_uuid(conn_or_curs=connection) is not None)
    step("register_hstore", lambda: psycopg2.extras.register_hstore(connection))
    token = uuid.UUID("12345678-1234-5678-1234-567812345678")

    def insert():
        psycopg2.extras.execute_values(cursor, "INSERT INTO pe_items (id, token, doc, label) VALUES %s",
                                       [(index, token if index % 2 else None, json.dumps({"n": index, "tags": ["a", index]}), f"item {index}")
                                        for index in range(1, 251)], page_size=100)
        return cursor.rowcount
    step("execute_values rowcount", insert)

    def returning():
        return psycopg2.extras.execute_values(cursor, "INSERT INTO pe_items (id, label) VALUES %s RETURNING id, label",
                                              [(1000, "a"), (1001, "b")], fetch=True)
    step("execute_values returning", returning)
    step("execute_batch", lambda: (psycopg2.extras.execute_batch(cursor, "UPDATE pe_items SET label = %s WHERE id = %s",
                                                                  [(f"batch {index}", index) for index in range(1, 21)]), cursor.rowcount)[1])

    def dictionaries():
        with connection.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as dictionary_cursor:
            dictionary_cursor.execute("SELECT id, token, doc, label FROM pe_items WHERE id IN (1, 2, 1000) ORDER BY id")
            return [dict(row) for row in dictionary_cursor.fetchall()]
    step("RealDictCursor", dictionaries)

    def named_tuples():
        with connection.cursor(cursor_factory=psycopg2.extras.NamedTupleCursor) as named_cursor:
            named_cursor.execute("SELECT count(*) AS n, sum(id) AS total FROM pe_items")
            row = named_cursor.fetchone()
            return (row.n, row.total)
    step("NamedTupleCursor", named_tuples)
    step("uuid parameter", lambda: (cursor.execute("SELECT count(*) FROM pe_items WHERE token = %s", (token,)), cursor.fetchone())[1])
    step("Json adapter", lambda: (cursor.execute("SELECT %s::jsonb -> 'k'", (psycopg2.extras.Json({"k": [1, 2]}),)), cursor.fetchone())[1])
    step("uuid[]", lambda: (cursor.execute("SELECT ARRAY[%s, %s]::uuid[]", (token, token)), cursor.fetchone())[1])

    def copy_expert(sql, source=None):
        output = io.BytesIO()
        cursor.copy_expert(sql, source if source is not None else output)
        return cursor.rowcount, output.getvalue()
    step("copy_expert csv out", lambda: copy_expert("COPY (SELECT id, label FROM pe_items WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT csv, HEADER)"))
    binary = copy_expert("COPY (SELECT id, token, label FROM pe_items WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT binary)")
    step("copy_expert binary out", lambda: binary)
    cursor.execute("DROP TABLE IF EXISTS pe_copy")
    cursor.execute("CREATE TABLE pe_copy (id int PRIMARY KEY, token uuid, label text)")
    step("copy_expert binary in", lambda: copy_expert("COPY pe_copy FROM STDIN (FORMAT binary)", io.BytesIO(binary[1]))[0])
    step("copy_expert csv in", lambda: copy_expert("COPY pe_copy (id, label) FROM STDIN (FORMAT csv)", io.BytesIO(b"10,ten\n11,\"el,even\"\n"))[0])
    step("copied rows", lambda: (cursor.execute("SELECT id, token, label FROM pe_copy ORDER BY id"), cursor.fetchall())[1])
    cursor.execute("DROP TABLE pe_copy")
    cursor.execute("DROP TABLE pe_items")
    connection.close()


async def asyncpg_introspection():
    import asyncpg
    connection = await asyncpg.connect(host=HOST, port=int(PORT), user=USER, password=PASSWORD or None, database=DATABASE, ssl=False)
    await connection.execute("DROP TABLE IF EXISTS ai_items")
    await connection.execute("CREATE TABLE ai_items (id int PRIMARY KEY, tags text[], scores numeric[], doc jsonb, ids int[], "
                             "token uuid, stamp timestamptz, amount numeric(10, 2))")
    await astep("int[]", lambda: connection.fetchval("SELECT ARRAY[1, 2, 3]"))
    await astep("text[]", lambda: connection.fetchval("SELECT ARRAY['a', NULL, 'c']"))
    await astep("numeric[]", lambda: connection.fetchval("SELECT ARRAY[1.5, 2.25]::numeric[]"))
    await astep("jsonb", lambda: connection.fetchval("""SELECT '{"a": [1, 2]}'::jsonb"""))
    await astep("json", lambda: connection.fetchval("""SELECT '{"a": 1}'::json"""))
    await astep("uuid", lambda: connection.fetchval("SELECT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid"))
    await astep("bytea", lambda: connection.fetchval("SELECT '\\x0102'::bytea"))
    await astep("interval", lambda: connection.fetchval("SELECT interval '1 day 2 hours'"))
    await astep("oid", lambda: connection.fetchval("SELECT 'pg_class'::regclass::oid"))
    await astep("regclass", lambda: connection.fetchval("SELECT 'pg_class'::regclass"))
    await astep("regtype", lambda: connection.fetchval("SELECT 'int4'::regtype"))
    await astep("name[]", lambda: connection.fetchval("SELECT ARRAY['a'::name]"))

    async def insert():
        statement = await connection.prepare("INSERT INTO ai_items VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        await statement.executemany([
            (1, ["x", "y"], [decimal.Decimal("1.5")], json.dumps({"k": 1}), [1, 2], uuid.UUID(int=1), None, decimal.Decimal("2.50")),
            (2, [], None, json.dumps([1, "two"]), [None, 3], None, None, None)])
        return [parameter.name for parameter in statement.get_parameters()]
    await astep("prepared parameters", insert)

    async def select():
        statement = await connection.prepare("SELECT * FROM ai_items ORDER BY id")
        rows = await statement.fetch()
        return ([(attribute.name, attribute.type.name, attribute.type.kind) for attribute in statement.get_attributes()],
                [tuple(row) for row in rows])
    await astep("prepared select", select)
    await astep("copy in", lambda: connection.copy_to_table("ai_items", source=io.BytesIO(b'10\t{c}\t{3}\t{}\t{7}\t\\N\t\\N\t1\n')))
    await astep("copy out", lambda: connection.copy_from_query("SELECT id, tags FROM ai_items ORDER BY id", output=Collect(), format="csv"))
    print("copied", Collect.data)
    await astep("count", lambda: connection.fetchval("SELECT count(*) FROM ai_items"))
    await connection.execute("DROP TABLE ai_items")
    await connection.close()


async def asyncpg_records():
    """What asyncpg needs beyond its introspection: anonymous records, domains, binary COPY."""
    import asyncpg
    connection = await asyncpg.connect(host=HOST, port=int(PORT), user=USER, password=PASSWORD or None, database=DATABASE, ssl=False)
    await connection.execute("DROP TABLE IF EXISTS ar_items")
    await connection.execute("CREATE TABLE ar_items (id int PRIMARY KEY, tags text[])")
    await astep("record", lambda: connection.fetchval("SELECT ROW(1, 'a')"))
    await astep("domain", lambda: connection.fetchval("SELECT 1::information_schema.cardinal_number"))
    await astep("copy records", lambda: connection.copy_records_to_table("ar_items", records=[(1, ["a"]), (2, None)]))
    await astep("copy records columns", lambda: connection.copy_records_to_table("ar_items", records=[(3,)], columns=["id"]))
    await astep("count", lambda: connection.fetchval("SELECT count(*) FROM ar_items"))
    binary = io.BytesIO()
    await astep("copy from table binary", lambda: connection.copy_from_table("ar_items", output=binary, format="binary"))
    print("binary copy", binary.getvalue().hex())
    await connection.execute("DELETE FROM ar_items")
    await astep("copy to table binary", lambda: connection.copy_to_table("ar_items", source=io.BytesIO(binary.getvalue()), format="binary"))
    await astep("rows", lambda: connection.fetch("SELECT id, tags FROM ar_items ORDER BY id"))
    await astep("copy from query", lambda: connection.copy_from_query("SELECT id, tags FROM ar_items WHERE id < $1 ORDER BY id", 3,
                                                                      output=Collect(), format="csv"))
    print("copied", Collect.data)
    await astep("bad field count", lambda: connection.copy_to_table(
        "ar_items", source=io.BytesIO(b"PGCOPY\n\xff\r\n\x00" + bytes(8) + b"\x00\x01\x00\x00\x00\x04\x00\x00\x00\x09"), format="binary"))
    await astep("bad signature", lambda: connection.copy_to_table("ar_items", source=io.BytesIO(b"NOT A COPY FILE"), format="binary"))
    await connection.execute("DROP TABLE ar_items")
    await connection.close()


class Collect:
    data = b""

    async def __call__(self, chunk):
        Collect.data += chunk


def catalog_functions():
    """The catalog functions Python ORMs and drivers call, each on its own (their answers here do not depend on OIDs)."""
    connection = psycopg2_connect()
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute("DROP TABLE IF EXISTS cf_items")
    cursor.execute("DROP SEQUENCE IF EXISTS cf_counter")
    cursor.execute("CREATE TABLE cf_items (id serial PRIMARY KEY, code bigint GENERATED ALWAYS AS IDENTITY, label text)")
    cursor.execute("CREATE SEQUENCE cf_counter")
    for query in [
        "SELECT pg_get_serial_sequence('cf_items', 'id')",
        "SELECT pg_get_serial_sequence('public.cf_items', 'code')",
        "SELECT pg_get_serial_sequence('CF_ITEMS', 'label')",
        "SELECT pg_get_serial_sequence('cf_items', 'nope')",
        "SELECT pg_get_serial_sequence('cf_nope', 'id')",
        "SELECT pg_get_serial_sequence('\"cf_items\"', 'id')::regclass",
        "SELECT has_table_privilege('cf_items', 'SELECT')",
        "SELECT has_table_privilege(current_user, 'cf_items', 'INSERT, UPDATE')",
        "SELECT has_table_privilege('cf_items'::regclass, 'select')",
        "SELECT has_table_privilege('cf_items', 'FLY')",
        "SELECT has_table_privilege('cf_nope', 'SELECT')",
        "SELECT has_schema_privilege('public', 'USAGE')",
        "SELECT has_schema_privilege(current_user, 'public', 'CREATE')",
        "SELECT has_database_privilege(current_database(), 'CONNECT')",
        "SELECT has_sequence_privilege('cf_counter', 'USAGE')",
        "SELECT has_column_privilege('cf_items', 'label', 'SELECT')",
        "SELECT has_column_privilege('cf_items', 'nope', 'SELECT')",
        "SELECT has_any_column_privilege('cf_items', 'UPDATE')",
        "SELECT has_function_privilege('now()', 'EXECUTE')",
        "SELECT has_language_privilege('plpgsql', 'USAGE')",
        "SELECT has_tablespace_privilege('pg_default', 'CREATE')",
        "SELECT has_type_privilege('int4', 'USAGE')",
        "SELECT has_foreign_data_wrapper_privilege('nope', 'USAGE')",
        "SELECT has_server_privilege('nope', 'USAGE')",
        "SELECT has_parameter_privilege('work_mem', 'SET')",
        "SELECT pg_has_role(current_user, 'MEMBER')",
        "SELECT pg_has_role('pg_database_owner', 'USAGE, member WITH ADMIN OPTION')",
        "SELECT pg_has_role(current_user, 'pg_database_owner', 'FLY')",
        "SELECT pg_has_role('no_such_role', 'MEMBER')",
        "SELECT to_regtype('int4'), to_regtype('character varying'), to_regtype('nope'), to_regtype('int4[]')",
        "SELECT to_regproc('now'), to_regproc('nope'), to_regnamespace('public'), to_regnamespace('nope')",
        "SELECT to_regrole('pg_database_owner'), to_regrole('nope'), to_regclass('cf_items')",
        "SELECT to_regtype('int4')::oid, to_regtype('pg_catalog.text'), to_regtype('\"char\"')",
        "SELECT 'pg_database_owner'::regrole, 'pg_database_owner'::regrole::oid, 'nope'::regrole",
        "SELECT 6171::regrole, 0::regrole, 99999::regrole, 6171::regrole = 'pg_database_owner'::regrole",
        "SELECT rolname = current_user FROM pg_roles WHERE oid = current_user::regrole",
        "SELECT pg_backend_pid() > 0, pg_backend_pid() = pg_backend_pid()",
        "SELECT txid_current() > 0, pg_current_xact_id()::text::bigint > 0",
        "SELECT inet_server_addr(), inet_server_port() > 0",
    ]:
        def run():
            cursor.execute(query)
            return cursor.fetchall()
        step(query, run)
    cursor.execute("DROP TABLE cf_items")
    cursor.execute("DROP SEQUENCE cf_counter")
    connection.close()


{
    "psycopg2-extras": psycopg2_extras,
    "asyncpg-introspection": lambda: asyncio.run(asyncpg_introspection()),
    "asyncpg-records": lambda: asyncio.run(asyncpg_records()),
    "catalog-functions": catalog_functions,
}[SCENARIO]()
