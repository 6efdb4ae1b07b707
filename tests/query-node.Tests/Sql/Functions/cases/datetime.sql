select date_trunc('month', timestamp '2024-03-15 10:20:30.123456'), date_trunc('hour', timestamp '2024-03-15 10:20:30'), date_trunc('week', timestamp '2024-03-15 10:20:30'), date_trunc('quarter', timestamp '2024-05-15'), date_trunc('year', timestamp '2024-05-15')
select date_trunc('decade', timestamp '2024-05-15'), date_trunc('century', timestamp '2024-05-15'), date_trunc('millennium', timestamp '2024-05-15'), date_trunc('milliseconds', timestamp '2024-05-15 01:02:03.456789'), date_trunc('microseconds', timestamp '2024-05-15 01:02:03.456789'), date_trunc('second', timestamp '2024-05-15 01:02:03.456789'), date_trunc('minute', timestamp '2024-05-15 01:02:03'), date_trunc('day', timestamp '2024-05-15 01:02:03')
select date_trunc('day', timestamptz '2024-05-15 01:02:03+00'), date_trunc('month', date '2024-05-15'), pg_typeof(date_trunc('month', date '2024-05-15')), date_trunc('DAY', timestamp '2024-05-15 01:02'), date_trunc('day', timestamptz '2024-05-15 01:02:03+00', 'Asia/Tokyo')
select date_trunc('fortnight', timestamp '2024-05-15')
select date_trunc('day', null::timestamp), date_trunc(null, timestamp '2024-01-01')
select extract(year from timestamp '2024-03-15 10:20:30.5'), extract(month from timestamp '2024-03-15'), extract(day from date '2024-03-15'), extract(hour from timestamp '2024-03-15 10:20:30'), extract(minute from timestamp '2024-03-15 10:20:30'), extract(second from timestamp '2024-03-15 10:20:30.5')
select extract(epoch from timestamp '2024-01-01 00:00:00'), extract(epoch from timestamptz '2024-01-01 00:00:00+02'), extract(epoch from date '2024-01-01'), extract(dow from date '2024-03-17'), extract(isodow from date '2024-03-17'), extract(doy from date '2024-03-15'), extract(week from date '2024-01-01'), extract(isoyear from date '2024-12-30')
select extract(quarter from date '2024-05-01'), extract(decade from date '2024-05-01'), extract(century from date '2024-05-01'), extract(millennium from date '2024-05-01'), extract(milliseconds from timestamp '2024-01-01 00:00:12.5'), extract(microseconds from timestamp '2024-01-01 00:00:12.5'), extract(julian from date '2024-01-01'), extract(julian from timestamp '2024-01-01 12:00')
select extract(timezone from timestamptz '2024-01-01 00:00+00'), extract(timezone_hour from timestamptz '2024-01-01 00:00+00'), extract(century from date '0001-01-01'), extract(year from date '2000-01-01'), extract(century from date '2000-12-31'), extract(century from date '2001-01-01')
select extract(hour from date '2024-01-01')
select extract(timezone from timestamp '2024-01-01')
select extract(foo from timestamp '2024-01-01')
select date_part('year', timestamp '2024-03-15'), date_part('second', timestamp '2024-03-15 10:20:30.5'), date_part('epoch', timestamp '2024-01-01'), date_part('dow', date '2024-03-17'), pg_typeof(date_part('year', date '2024-01-01')), pg_typeof(extract(year from date '2024-01-01'))
select make_date(2024, 2, 29), make_timestamp(2024, 1, 2, 3, 4, 5.5), make_timestamptz(2024, 1, 2, 3, 4, 5), make_timestamptz(2024, 1, 2, 3, 4, 5, 'America/New_York'), make_timestamp(2024, 1, 2, 3, 4, 0)
select make_date(2023, 2, 29)
select make_date(0, 1, 1)
select make_timestamp(2024, 13, 1, 0, 0, 0)
select make_timestamp(2024, 1, 1, 25, 0, 0)
select make_timestamptz(2024, 1, 1, 0, 0, 0, 'Mars/Olympus')
select timestamp '2024-01-01 12:00' at time zone 'America/New_York', timestamptz '2024-07-01 12:00+00' at time zone 'Europe/Paris', timezone('UTC', timestamp '2024-01-01 12:00'), timestamp '2024-01-01 12:00' at time zone '+05', timestamptz '2024-01-01 12:00+00' at time zone 'Asia/Kolkata', timestamp '2024-01-01 12:00' at time zone 'UTC+3'
select timestamp '2024-03-10 02:30' at time zone 'America/New_York', timestamptz '2024-11-03 06:30+00' at time zone 'America/New_York', date '2024-01-01' at time zone 'Asia/Tokyo', timestamp '2024-01-01 12:00' at time zone 'EST', timestamp '2024-01-01 12:00' at time zone 'utc'
select timestamp '2024-01-01' at time zone 'Nowhere/Land'
select to_char(timestamp '2024-03-05 14:07:09.123456', 'YYYY-MM-DD HH24:MI:SS.MS.US'), to_char(timestamp '2024-03-05 14:07:09', 'HH12:MI AM'), to_char(timestamp '2024-03-05 04:07:09', 'hh am P.M.'), to_char(date '2024-03-05', 'Day, DD Month YYYY'), to_char(date '2024-03-05', 'FMDay, FMDD FMMonth YYYY'), to_char(date '2024-03-05', 'Dy Mon DY MON dy mon')
select to_char(date '2024-03-05', 'YY YYY Y D DDD IW IYYY Q WW W CC J'), to_char(date '2024-03-05', '"Quarter" Q, "week" IW'), to_char(timestamptz '2024-03-05 14:07:09+00', 'YYYY-MM-DD HH24:MI:SS TZ OF'), to_char(date '2024-03-01', 'DDth Mon'), to_char(date '2024-03-02', 'FMDDth'), to_char(date '2024-03-23', 'DDTH')
select to_char(1234.5, '9999.99'), to_char(1234.5, 'FM9999.99'), to_char(-1234.5, '9,999.00'), to_char(5, '000'), to_char(0.5, '0.99'), to_char(12, 'FM999'), to_char(1234567, '9G999G999'), to_char(-5, 'S999'), to_char(5, 'S999'), to_char(3.14159, '9.99'), to_char(123, '99')
select to_char(1234.5::float8, '9999.9'), to_char(42::int8, 'FM0000'), to_char(-0.1, 'FM990.99'), to_char(0, '9999'), to_char(1.5, 'FM9.9999'), to_char(12.345, '99D99'), to_char(-12, '999MI'), to_char(12, '999PR'), to_char(-12, '999PR')
select to_char(null::date, 'YYYY'), to_char(date '2024-01-01', null), to_char(date '2024-01-01', '')
select to_date('2024-03-05', 'YYYY-MM-DD'), to_date('05 Mar 2024', 'DD Mon YYYY'), to_date('20240305', 'YYYYMMDD'), to_timestamp('2024-03-05 14:07:09', 'YYYY-MM-DD HH24:MI:SS'), to_timestamp('05/03/2024 02:07 PM', 'DD/MM/YYYY HH:MI AM'), to_timestamp(0), to_timestamp(1700000000.5)
select to_date('2024-13-05', 'YYYY-MM-DD')
select to_date('abc', 'YYYY')
select to_timestamp('2024-03-05 25:00', 'YYYY-MM-DD HH24:MI')
select to_timestamp('nan'::float8)
select isfinite(date '2024-01-01'), isfinite(timestamp '2024-01-01')
select date '2024-01-15' + 1, 1 + date '2024-01-15', date '2024-01-15' - 30, date '2024-01-15' - date '2024-01-01', '2024-01-15'::date + 0
select date '2024-01-15' * 2
select now() + 1
select date '2024-01-15' - 'x'
select to_char(3, 'FM9th'), to_char(12, '99TH'), to_char(21, 'FM99th'), to_char(112, 'FM999th'), to_char(2.5, 'FM9th')
