select current_setting('TimeZone'), current_setting('datestyle'), current_setting('server_encoding'), current_setting('nosuch.setting', true), current_setting('search_path')
select current_setting('nosuch')
select current_setting(null)
select pg_typeof(1), pg_typeof('a'), pg_typeof(1.5), pg_typeof(null), pg_typeof(now()), pg_typeof('a'::varchar(3)), pg_typeof(1::int8), pg_typeof(true), pg_typeof(current_date), pg_typeof('a'::char)
select current_database(), current_schema(), current_schema, current_catalog, current_user, session_user, user, current_role
select now() = current_timestamp, now() = transaction_timestamp(), pg_typeof(now()), pg_typeof(localtimestamp), pg_typeof(current_date), pg_typeof(statement_timestamp()), pg_typeof(clock_timestamp())
select clock_timestamp() >= now(), statement_timestamp() >= now(), current_date = now()::date, localtimestamp = now()::timestamp
select txid_current() = txid_current(), pg_typeof(txid_current()), pg_backend_pid() > 0
select coalesce(null, 2, 3), coalesce(null, null), nullif(1, 1), nullif(1, 2), greatest(1, 2.5, null), least('b', 'a'), greatest(null, null), coalesce(1, 2.5)
select coalesce(1, 'a')
select greatest(1, 'x')
select nosuchfunction(1)
select abs(1, 2)
select concat_ws(',', 1)::text, length(concat(1, 2))
select pg_sleep(0), pg_advisory_unlock_all()
select version() like 'PostgreSQL%'
select date(now()) = current_date, int4('5'), int4(2.5), date('2024-01-05'), text('x'), int4('5'::text), text(1), int4(true), float8('1.5'::text), bool('t'), date(timestamp '2024-01-01 10:00')
select date(1)
select int4('x')
