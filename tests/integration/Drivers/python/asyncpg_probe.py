"""Drives asyncpg (Debian's python3-asyncpg: extended protocol, binary formats, prepared
statements, pipelined executemany, portals) against a server and prints one observation per
line; Drivers/PythonDriverTests.cs asserts them. An unexpected error prints
"error: SQLSTATE message" and exits 1.

usage: /usr/bin/python3 asyncpg_probe.py SCENARIO HOST PORT USER PASSWORD
"""
import asyncio
import datetime
import decimal
import sys
import time
import uuid

import asyncpg

SCENARIO, HOST, PORT, USER, PASSWORD = sys.argv[1:6]


async def connect(**extra):
    options = dict(host=HOST, port=int(PORT), user=USER, database="postgres", ssl=False, timeout=15)
    if PASSWORD:
        options["password"] = PASSWORD
    options.update(extra)
    return await asyncpg.connect(**options)


def table(prefix):
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def sqlstate(awaitable):
    try:
        await awaitable
        return "no error"
    except asyncpg.PostgresError as error:
        return error.sqlstate


async def types():
    connection = await connect()
    statement = await connection.prepare(
        "SELECT $1::int2, $2::int4, $3::int8, $4::float8, $5::numeric, $6::text, $7::varchar, $8::bool, $9::date, "
        "$10::timestamp, $11::timestamptz, $12::int4, $13::bpchar")
    print("parameters:", [parameter.name for parameter in statement.get_parameters()])
    print("columns:", [attribute.type.name for attribute in statement.get_attributes()])
    row = await statement.fetchrow(
        -32768, 2147483647, -9223372036854775808, 1.5e300, decimal.Decimal("12345678901234567890.123456789"),
        "héllo ✓ 'quoted' \\ \"x\"", "varchar", True, datetime.date(2024, 2, 29),
        datetime.datetime(2024, 2, 29, 13, 14, 15, 123456),
        datetime.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=datetime.timezone.utc), None, "ab")
    for value in row:
        shown = value.isoformat() if isinstance(value, (datetime.datetime, datetime.date)) else str(value)
        print(f"{type(value).__name__}|{shown}")
    await connection.close()


async def prepared():
    connection = await connect()
    statement = await connection.prepare("SELECT $1::int8 * 2, $2::text || '!'")
    answers = [tuple(await statement.fetchrow(round, f"r{round}")) for round in range(1, 51)]
    print("answers right:", answers == [(round * 2, f"r{round}!") for round in range(1, 51)])
    # The statement cache of asyncpg's fetch* methods: the same text many times.
    values = [await connection.fetchval("SELECT $1::int4 + 1", round) for round in range(20)]
    print("cached statement:", values == list(range(1, 21)))
    await connection.close()


async def executemany():
    name = table("apg_many")
    connection = await connect()
    await connection.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v text)")
    await connection.executemany(f"INSERT INTO {name} VALUES ($1, $2)", [(id, f"v{id}") for id in range(1, 101)])
    print("rows:", await connection.fetchval(f"SELECT count(*) FROM {name}"))
    print("duplicate:", await sqlstate(connection.executemany(
        f"INSERT INTO {name} VALUES ($1, $2)", [(200, "x"), (201, "y"), (5, "again"), (202, "z")])))
    print("rows after:", await connection.fetchval(f"SELECT count(*) FROM {name}"))
    print("sum:", await connection.fetchval(f"SELECT sum(id) FROM {name}"))
    await connection.execute(f"DROP TABLE {name}")
    await connection.close()


async def cursor():
    name = table("apg_cursor")
    connection = await connect()
    await connection.execute(f"CREATE TABLE {name} (id int PRIMARY KEY)")
    await connection.executemany(f"INSERT INTO {name} VALUES ($1)", [(id,) for id in range(1, 251)])
    async with connection.transaction():
        # fetch(n) is Execute with a row limit on a named portal, resumed each time.
        portal = await connection.cursor(f"SELECT id FROM {name} ORDER BY id")
        sizes = []
        ids = []
        while True:
            rows = await portal.fetch(40)
            sizes.append(len(rows))
            ids.extend(row[0] for row in rows)
            if not rows:
                break
        print("fetch sizes:", sizes)
        print("ids in order:", ids == list(range(1, 251)))
        count = 0
        total = 0
        async for row in connection.cursor(f"SELECT id FROM {name} WHERE id > $1 ORDER BY id", 100, prefetch=25):
            count += 1
            total += row[0]
        print("iterated:", count, total)
    await connection.execute(f"DROP TABLE {name}")
    await connection.close()


async def errors():
    name = table("apg_errors")
    connection = await connect()
    await connection.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, v int)")
    await connection.execute(f"INSERT INTO {name} VALUES (1, 0)")
    print("syntax:", await sqlstate(connection.execute("SELEC 1")))
    print("prepared syntax:", await sqlstate(connection.fetch("SELECT $1 FROM WHERE", 1)))
    print("unique:", await sqlstate(connection.execute(f"INSERT INTO {name} VALUES ($1, 0)", 1)))
    print("division:", await sqlstate(connection.fetchval("SELECT $1::int4 / 0", 1)))
    other = await connect()
    transaction = connection.transaction(isolation="repeatable_read")
    await transaction.start()
    print("first reads:", await connection.fetchval(f"SELECT v FROM {name} WHERE id = 1"))
    print("second updates:", await other.execute(f"UPDATE {name} SET v = 2 WHERE id = 1"))

    async def write():
        await connection.execute(f"UPDATE {name} SET v = 1 WHERE id = 1")
        await transaction.commit()
    print("first writes:", await sqlstate(write()))
    if connection.is_in_transaction():
        await transaction.rollback()
    print("value:", await connection.fetchval(f"SELECT v FROM {name} WHERE id = 1"))
    await connection.execute(f"DROP TABLE {name}")
    await other.close()
    await connection.close()


async def cancel():
    connection = await connect()
    bystander = await connect()
    started = time.monotonic()
    other = asyncio.ensure_future(bystander.fetchval("SELECT 'bystander', pg_sleep(1.5)"))
    try:
        # On timeout asyncpg sends a CancelRequest and the connection waits for the statement's end.
        await connection.execute("SELECT pg_sleep(30)", timeout=0.5)
        print("timeout: none")
    except asyncio.TimeoutError:
        print("timeout: raised")
    # Answers only once the server has ended the cancelled statement.
    print("after cancel:", await asyncio.wait_for(connection.fetchval("SELECT 7"), 10))
    print("cancelled within 10 s:", time.monotonic() - started < 10)
    print("bystander:", await asyncio.wait_for(other, 10))
    await connection.execute("SET statement_timeout = '300ms'")
    started = time.monotonic()
    print("statement timeout:", await sqlstate(connection.fetchval("SELECT pg_sleep($1)", 5.0)))
    print("timed out within 4 s:", time.monotonic() - started < 4)
    print("after timeout:", await connection.fetchval("SELECT 8"))
    await connection.close()
    await bystander.close()


async def settings():
    connection = await connect(server_settings={"application_name": "asyncpg-probe"})
    print("application_name at start:", connection.get_settings().application_name)
    await connection.execute("SET application_name = 'renamed'")
    print("application_name after SET:", connection.get_settings().application_name)
    await connection.execute("SET TimeZone = 'Asia/Kolkata'")
    print("TimeZone after SET:", connection.get_settings().TimeZone)
    print("timestamptz as text:", await connection.fetchval("SELECT '2024-07-01 12:00:00+00'::timestamptz::text"))
    await connection.execute("RESET ALL")
    print("application_name after RESET ALL:", connection.get_settings().application_name)
    await connection.execute("SET search_path = no_such_schema, public")
    print("search_path:", await connection.fetchval("SHOW search_path"))
    await connection.close()


async def copy():
    name = table("apg_copy")
    connection = await connect()
    await connection.execute(f"CREATE TABLE {name} (id int PRIMARY KEY, name text)")
    lines = [b"1,\"one, uno\"\n", b"2,\n"]

    async def source():
        for line in lines:
            yield line
    print("copy in:", await connection.copy_to_table(name, source=source(), format="csv"))
    chunks = []

    async def sink(data):
        chunks.append(bytes(data))
    print("copy out:", await connection.copy_from_table(name, columns=["name", "id"], output=sink, format="csv", header=True))
    print("data:", repr(b"".join(chunks).decode()))
    await connection.execute(f"DROP TABLE {name}")
    await connection.close()


async def tls():
    connection = await connect(ssl="require")
    print("over tls:", await connection.fetchval("SELECT $1::int4 + 2", 40))
    print("ssl in use:", connection._transport.get_extra_info("ssl_object") is not None)
    await connection.close()


async def main():
    try:
        await {"types": types, "prepared": prepared, "executemany": executemany, "cursor": cursor, "errors": errors,
               "cancel": cancel, "settings": settings, "copy": copy, "tls": tls}[SCENARIO]()
    except asyncpg.PostgresError as error:
        print(f"error: {error.sqlstate} {error}")
        sys.exit(1)


asyncio.run(main())
