"""Drives SQLAlchemy 1.4 (Debian's python3-sqlalchemy, over psycopg2) against a server and prints what its ORM and
its reflection (the Inspector, MetaData.reflect) saw, one observation per line, so that the output on Log can be
compared with the output on PostgreSQL 15 for the same schema (Drivers/PythonClientTests.cs). Each reflection call
that fails prints its error and the probe goes on (probe_steps.py).

usage: /usr/bin/python3 sqlalchemy_probe.py SCENARIO HOST PORT USER PASSWORD [DATABASE]
SCENARIO: orm | reflection
"""
import os
import sys
import urllib.parse

from sqlalchemy import (CheckConstraint, Column, ForeignKey, Integer, MetaData, Numeric, String, Text, UniqueConstraint,
                        create_engine, func, inspect, text)
from sqlalchemy.orm import Session, declarative_base, relationship

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # python3 -I leaves the script's folder off the path
from probe_steps import step  # noqa: E402

SCENARIO, HOST, PORT, USER, PASSWORD = sys.argv[1:6]
DATABASE = sys.argv[6] if len(sys.argv) > 6 else "postgres"

password = ":" + urllib.parse.quote(PASSWORD) if PASSWORD else ""
engine = create_engine(f"postgresql+psycopg2://{USER}{password}@{HOST}:{PORT}/{DATABASE}?sslmode=disable")

Base = declarative_base()


class Author(Base):
    __tablename__ = "sa_author"
    id = Column(Integer, primary_key=True)
    name = Column(String(50), nullable=False, unique=True)
    books = relationship("Book", back_populates="author", order_by="Book.title")


class Book(Base):
    __tablename__ = "sa_book"
    id = Column(Integer, primary_key=True)
    title = Column(Text, nullable=False)
    price = Column(Numeric(10, 2), CheckConstraint("price >= 0", name="sa_book_price_check"))
    author_id = Column(Integer, ForeignKey("sa_author.id"), nullable=False, index=True)
    author = relationship("Author", back_populates="books")
    __table_args__ = (UniqueConstraint("author_id", "title", name="sa_book_author_title"),)


def create_schema():
    drop_schema()
    Base.metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(text("CREATE VIEW sa_cheap AS SELECT id, title FROM sa_book WHERE price < 10"))
        connection.execute(text("CREATE SEQUENCE sa_counter"))


def drop_schema():
    with engine.begin() as connection:
        connection.execute(text("DROP VIEW IF EXISTS sa_cheap"))
        connection.execute(text("DROP SEQUENCE IF EXISTS sa_counter"))
    Base.metadata.drop_all(engine)


def orm():
    create_schema()
    try:
        with Session(engine) as session:
            ann, bob = Author(name="Ann"), Author(name="Bob")
            session.add_all([ann, bob, Book(title="X", price=5, author=ann), Book(title="Y", price=15, author=ann),
                             Book(title="Z", price=7, author=bob)])
            session.commit()
            print("ids", sorted(author.id for author in session.query(Author)))
            for row in session.query(Author.name, func.count(Book.id), func.sum(Book.price)).join(Book) \
                    .group_by(Author.name).order_by(Author.name):
                print("per author", tuple(row))
            for book in session.query(Book).join(Author).filter(Author.name == "Ann").order_by(Book.title.desc()):
                print("book", book.title, book.price, book.author.name)
            ann = session.query(Author).filter_by(name="Ann").one()
            print("relationship", [book.title for book in ann.books])
            ann.books[0].price = 6
            session.delete(session.query(Book).filter_by(title="Z").one())
            session.commit()
            print("after update", [(book.title, str(book.price)) for book in session.query(Book).order_by(Book.id)])
            print("exists", session.query(session.query(Book).filter(Book.price > 10).exists()).scalar())
            print("outer join", [(author.name, len(author.books)) for author in
                                 session.query(Author).outerjoin(Book).order_by(Author.name).distinct()])
    finally:
        drop_schema()


def reflection():
    create_schema()
    try:
        inspector = inspect(engine)
        step("tables", lambda: sorted(inspector.get_table_names()))
        for table in ["sa_author", "sa_book"]:
            step(f"columns {table}", lambda: [(column["name"], str(column["type"]), column["nullable"], column["default"],
                                                column.get("autoincrement")) for column in inspector.get_columns(table)])
            step(f"pk {table}", lambda: inspector.get_pk_constraint(table))
            step(f"fk {table}", lambda: inspector.get_foreign_keys(table))
            step(f"indexes {table}", lambda: sorted(inspector.get_indexes(table), key=lambda index: index["name"]))
            step(f"unique {table}", lambda: inspector.get_unique_constraints(table))
            step(f"check {table}", lambda: inspector.get_check_constraints(table))
            step(f"comment {table}", lambda: inspector.get_table_comment(table))
        step("has table", lambda: (engine.dialect.has_table(engine.connect(), "sa_book"),
                                   engine.dialect.has_table(engine.connect(), "sa_missing")))
        step("views", lambda: inspector.get_view_names())
        step("view definition", lambda: repr(inspector.get_view_definition("sa_cheap")))  # one line, whatever the layout
        step("sequences", lambda: sorted(inspector.get_sequence_names()))
        step("schemas", lambda: [schema for schema in inspector.get_schema_names() if not schema.startswith("pg_temp")])
        step("default schema", lambda: inspector.default_schema_name)
        step("enums", lambda: inspector.get_enums())
        step("foreign tables", lambda: inspector.get_foreign_table_names())
        step("temp tables", lambda: inspector.get_temp_table_names())
        step("temp views", lambda: inspector.get_temp_view_names())
        step("table options", lambda: inspector.get_table_options("sa_book"))
        step("sorted tables", lambda: inspector.get_sorted_table_and_fkc_names())
        step("materialized views", lambda: inspector.get_view_names(include=("materialized",)))
        step("table oid is an integer", lambda: isinstance(inspector.get_table_oid("sa_book"), int))

        def extra_columns():
            with engine.begin() as connection:
                connection.execute(text("CREATE TABLE sa_extra (id bigint GENERATED BY DEFAULT AS IDENTITY (START WITH 5 INCREMENT BY 2) "
                                        "PRIMARY KEY, price numeric(8, 2), taxed numeric GENERATED ALWAYS AS (price * 2) STORED, "
                                        "code varchar(10) DEFAULT 'x', CONSTRAINT sa_extra_positive CHECK (price > 0))"))
                connection.execute(text("COMMENT ON TABLE sa_extra IS 'extra columns'"))
                connection.execute(text("COMMENT ON COLUMN sa_extra.code IS 'a code'"))
            try:
                fresh = inspect(engine)
                return ([(column["name"], str(column["type"]), column["nullable"], column["default"], column.get("autoincrement"),
                          column.get("identity"), column.get("computed"), column.get("comment")) for column in fresh.get_columns("sa_extra")],
                        fresh.get_table_comment("sa_extra"), [check["name"] for check in fresh.get_check_constraints("sa_extra")])
            finally:
                with engine.begin() as connection:
                    connection.execute(text("DROP TABLE sa_extra"))
        step("identity, computed and comments", extra_columns)

        def reflect():
            metadata = MetaData()
            metadata.reflect(bind=engine)
            return [(table.name, [(column.name, repr(column.type), column.primary_key) for column in table.columns],
                     sorted(str(key.target_fullname) for key in table.foreign_keys)) for table in metadata.sorted_tables]
        step("reflect", reflect)
    finally:
        drop_schema()


{"orm": orm, "reflection": reflection}[SCENARIO]()
