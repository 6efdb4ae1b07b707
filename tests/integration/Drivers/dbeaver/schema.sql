-- The schema DBeaver's queries are asked about: tables with a primary key, a unique key, a foreign key, a check,
-- a default, a secondary index, a view, a sequence, comments, and a few rows for the data tab.
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, email varchar(100) UNIQUE, created timestamp DEFAULT now());
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int REFERENCES customers (id), amount numeric(10,2) CHECK (amount >= 0), note text);
CREATE INDEX orders_customer ON orders (customer_id);
CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
CREATE SEQUENCE order_numbers;
COMMENT ON TABLE customers IS 'people who buy';
COMMENT ON COLUMN orders.note IS 'free text';
INSERT INTO customers (id, name, email, created) VALUES (1, 'Ada', 'ada@example.com', '2024-01-02 03:04:05'), (2, 'Grace', NULL, '2024-02-03 04:05:06');
INSERT INTO orders VALUES (1, 1, 150.00, 'first'), (2, 1, 20.50, NULL), (3, 2, 99.99, 'third');
