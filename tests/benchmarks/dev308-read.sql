\set first random(1, 10000)
\set second random(1, 10000)
BEGIN;
SELECT id, name, balance FROM dev308_accounts WHERE id = :first;
SELECT id, name, balance FROM dev308_accounts WHERE id = :second;
COMMIT;
