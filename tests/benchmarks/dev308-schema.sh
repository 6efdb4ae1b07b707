# The DEV308 workloads' tables (dev308-write.sql inserts into the first two, dev308-read.sql reads the third), made anew
# in a libpq target: sourced by dev308.sh and compare.sh.
dev308_schema() { # libpq target
  psql -X -q -v ON_ERROR_STOP=1 "$1" > /dev/null <<'SQL'
DROP TABLE IF EXISTS dev308_orders;
DROP TABLE IF EXISTS dev308_audit;
DROP TABLE IF EXISTS dev308_accounts;
CREATE TABLE dev308_orders (id bigint PRIMARY KEY, customer text, amount numeric);
CREATE TABLE dev308_audit (id bigint PRIMARY KEY, note text);
CREATE TABLE dev308_accounts (id int PRIMARY KEY, name text, balance numeric);
SQL
  for batch in $(seq 0 9); do
    values=$(seq $((batch * 1000 + 1)) $((batch * 1000 + 1000)) | awk '{printf "%s(%d, '"'"'name%d'"'"', %d.00)", (NR>1?", ":""), $1, $1, $1}')
    psql -X -q -v ON_ERROR_STOP=1 "$1" -c "INSERT INTO dev308_accounts VALUES $values" > /dev/null
  done
}
