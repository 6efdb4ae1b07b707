\set id random(2147483648, 4000000000000000)
BEGIN;
INSERT INTO dev308_orders (id, customer, amount) VALUES (:id * 2, 'alice', 10);
INSERT INTO dev308_orders (id, customer, amount) VALUES (:id * 2 + 1, 'bob', 20);
INSERT INTO dev308_audit (id, note) VALUES (:id, 'two orders');
COMMIT;
