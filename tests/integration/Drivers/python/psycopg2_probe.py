"""Drives psycopg2 (Debian's python3-psycopg2, over libpq) against a server and prints one
observation per line; Drivers/PythonDriverTests.cs asserts them. An unexpected error prints
"error: SQLSTATE message" and exits 1.

usage: /usr/bin/python3 psycopg2_probe.py SCENARIO HOST PORT USER PASSWORD
"""
import datetime
import decimal
import io
import sys
import threading
import time
import uuid

import psycopg2
import psycopg2.errors
import psycopg2.extras

SCENARIO, HOST, PORT, USER, PASSWORD = sys.argv[1:6]


def connect(**extra):
    options = dict(host=HOST, port=int(PORT), user=USER, dbname="postgres", sslmode="disable", connect_timeout=15)
    if PASSWORD:
        options["password"] = PASSWORD
    options.update(extra)
    return psycopg2.connect(**options)


def table(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def sqlstate(action):
    try:
        action()
        return "no error"
    except psycopg2.Error as error:
        return error.pgcode


def types():
    with connect() as connection, connection.cursor() as cursor:
        cursor.execute(
            # CAST, not ::, because psycopg2 inlines the values: -32768::int2 is -(32768::int2), out of range.
            "SELECT CAST(%s AS int2), CAST(%s AS int4), CAST(%s AS int8), CAST(%s AS float8), CAST(%s AS numeric), "
            "CAST(%s AS text), CAST(%s AS varchar), CAST(%s AS bool), CAST(%s AS date), CAST(%s AS timestamp), "
            "CAST(%s AS timestamptz), CAST(%s AS int4)",
            (-32768, 2147483647, -9223372036854775808, 1.5e300, decimal.Decimal("12345678901234567890.123456789"),
             "héllo ✓ 'quoted' \\ \"x\"", "varchar", True, datetime.date(2024, 2, 29),
             datetime.datetime(2024, 2, 29, 13, 14, 15, 123456),
             datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc), None))
        row = cursor.fetchone()
        for value in row:
            if isinstance(value, datetime.datetime):
                shown = value.astimezone(datetime.timezone.utc).isoformat() if value.tzinfo else value.isoformat()
            else:
                shown = str(value)
            print(f"{type(value).__name__}|{shown}")
        print("type oids:", [column.type_code for column in cursor.description])
        print("more rows:", cursor.fetchone())


def errors():
    name = table("pg2_errors")
    connection = connect()
    cursor = connection.cursor()
    cursor.execute(f"CREATE TABLE {name} (id int PRIMARY KEY)")
    cursor.execute(f"INSERT INTO {name} VALUES (1)")
    connection.commit()
    for label, sql in [("syntax", "SELEC 1"), ("undefined table", "SELECT * FROM no_such_table_here"),
                       ("unique", f"INSERT INTO {name} VALUES (1)"), ("division", "SELECT 1 / 0")]:
        print(f"{label}:", sqlstate(lambda: cursor.execute(sql)))
        connection.rollback()
    cursor.execute("SELECT 1")
    print("in a failed transaction:", sqlstate(lambda: (cursor.execute("SELECT 1 / 0"))), sqlstate(lambda: cursor.execute("SELECT 1")))
    connection.rollback()
    cursor.executemany(f"INSERT INTO {name} VALUES (%s)", [(2,), (3,), (4,)])
    connection.commit()
    cursor.execute(f"SELECT count(*) FROM {name}")
    print("rows after:", cursor.fetchone()[0])
    cursor.execute(f"DROP TABLE {name}")
    connection.commit()
    connection.close()


def conflict():
    name = table("pg2_conflict")
    first = connect()
    second = connect()
    second.autocommit = True
    second.cursor().execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
    second.cursor().execute(f"INSERT INTO {name} VALUES (1, 0)")
    first.set_session(isolation_level="REPEATABLE READ")
    cursor = first.cursor()
    cursor.execute(f"SELECT v FROM {name} WHERE id = 1")
    print("first reads:", cursor.fetchone()[0])
    other = second.cursor()
    other.execute(f"UPDATE {name} SET v = 2 WHERE id = 1")
    print("second updates:", other.rowcount)

    def write():
        cursor.execute(f"UPDATE {name} SET v = 1 WHERE id = 1")
        first.commit()
    print("first writes:", sqlstate(write))
    first.rollback()
    cursor.execute(f"SELECT v FROM {name} WHERE id = 1")
    print("value:", cursor.fetchone()[0])
    first.rollback()
    other.execute(f"DROP TABLE {name}")
    first.close()
    second.close()


def copy():
    name = table("pg2_copy")
    connection = connect()
    connection.autocommit = True
    cursor = connection.cursor()
    cursor.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, name text, amount numeric)")
    cursor.copy_expert(f"COPY {name} FROM STDIN WITH (FORMAT csv, HEADER)",
                       io.StringIO('id,name,amount\n1,"one, uno",1.5\n2,,-2\n3,"",0\n'))
    print("copy csv rows:", cursor.rowcount)
    cursor.copy_from(io.StringIO("4\tfour\t\\N\n5\ttab\\there\t7\n"), name, columns=("id", "name", "amount"))
    print("copy_from rows:", cursor.rowcount)
    out = io.StringIO()
    cursor.copy_expert(f"COPY {name} TO STDOUT WITH (FORMAT csv)", out)
    print("csv out:", repr(out.getvalue()))
    out = io.StringIO()
    cursor.copy_to(out, name, columns=("id", "name"))
    print("copy_to:", repr(out.getvalue()))
    print("broken copy:", sqlstate(lambda: cursor.copy_expert(f"COPY {name} FROM STDIN", io.StringIO("9\tnine\tnot a number\n"))))
    cursor.execute(f"SELECT count(*) FROM {name}")
    print("rows after:", cursor.fetchone()[0])
    cursor.execute(f"DROP TABLE {name}")
    connection.close()


def cancel():
    connection = connect()
    connection.autocommit = True
    bystander = connect()
    bystander.autocommit = True
    seen = {}

    def other():
        with bystander.cursor() as cursor:
            cursor.execute("SELECT 'bystander', pg_sleep(1.5)")
            seen["bystander"] = cursor.fetchone()[0]
    thread = threading.Thread(target=other)
    thread.start()
    timer = threading.Timer(0.5, connection.cancel)  # PQcancel: a CancelRequest on a new connection
    timer.start()
    started = time.monotonic()
    cursor = connection.cursor()
    print("cancelled:", sqlstate(lambda: cursor.execute("SELECT pg_sleep(30)")))
    print("cancelled within 10 s:", time.monotonic() - started < 10)
    thread.join(20)
    print("bystander:", seen.get("bystander"))
    cursor.execute("SELECT 7")
    print("after cancel:", cursor.fetchone()[0])
    cursor.execute("SET statement_timeout = '300ms'")
    started = time.monotonic()
    print("statement timeout:", sqlstate(lambda: cursor.execute("SELECT pg_sleep(5)")))
    print("timed out within 4 s:", time.monotonic() - started < 4)
    cursor.execute("SELECT 8")
    print("after timeout:", cursor.fetchone()[0])
    connection.close()
    bystander.close()


def settings():
    connection = connect(application_name="psycopg2-probe")
    connection.autocommit = True
    cursor = connection.cursor()
    print("application_name at start:", connection.get_parameter_status("application_name"))
    cursor.execute("SET application_name = 'renamed'")
    print("application_name after SET:", connection.get_parameter_status("application_name"))
    cursor.execute("SET TimeZone = 'America/New_York'")
    print("TimeZone after SET:", connection.get_parameter_status("TimeZone"))
    cursor.execute("SELECT '2024-01-15 12:00:00+00'::timestamptz")
    print("timestamptz:", cursor.fetchone()[0].isoformat())
    cursor.execute("SET DateStyle = 'ISO, DMY'")
    print("DateStyle after SET:", connection.get_parameter_status("DateStyle"))
    cursor.execute("RESET ALL")
    print("application_name after RESET ALL:", connection.get_parameter_status("application_name"))
    cursor.execute("SHOW search_path")
    print("search_path:", cursor.fetchone()[0])
    connection.autocommit = False
    connection.set_session(isolation_level="REPEATABLE READ")
    cursor.execute("SHOW transaction_isolation")
    print("in transaction:", cursor.fetchone()[0])
    connection.commit()
    connection.close()


def tls():
    connection = connect(sslmode="require")
    cursor = connection.cursor()
    cursor.execute("SELECT %s::int4 + 2", (40,))
    print("over tls:", cursor.fetchone()[0])
    print("ssl in use:", connection.info.ssl_in_use)
    print("protocol is TLS 1.2+:", connection.info.ssl_attribute("protocol") in ("TLSv1.2", "TLSv1.3"))
    connection.close()


try:
    {"types": types, "errors": errors, "conflict": conflict, "copy": copy, "cancel": cancel,
     "settings": settings, "tls": tls}[SCENARIO]()
except psycopg2.Error as error:
    print(f"error: {error.pgcode} {error}".strip())
    sys.exit(1)
