CREATE TABLE psqlcat_parent (id int PRIMARY KEY, name text NOT NULL DEFAULT 'abc', qty int DEFAULT 0 CHECK (qty >= 0), created timestamptz DEFAULT now());
CREATE TABLE psqlcat_child (id serial PRIMARY KEY, parent_id int REFERENCES psqlcat_parent(id) ON DELETE CASCADE, code bigint GENERATED ALWAYS AS IDENTITY, note varchar(20), amount numeric(10,2) CHECK (amount > 0));
CREATE TABLE psqlcat_link (parent_id int NOT NULL, child_id int NOT NULL, PRIMARY KEY (parent_id, child_id), FOREIGN KEY (parent_id) REFERENCES psqlcat_parent(id), FOREIGN KEY (child_id) REFERENCES psqlcat_child(id) ON UPDATE CASCADE ON DELETE SET NULL);
CREATE INDEX psqlcat_child_note ON psqlcat_child (note);
CREATE VIEW psqlcat_view AS SELECT id, name FROM psqlcat_parent;
CREATE SEQUENCE psqlcat_seq;
COMMENT ON TABLE psqlcat_parent IS 'parents';
COMMENT ON COLUMN psqlcat_parent.name IS 'the name';
COMMENT ON TABLE psqlcat_child IS 'children of parents';
