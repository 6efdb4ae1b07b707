\set id random(1, 1000)
SELECT name, amount FROM pgbench_select_items WHERE id = :id;
