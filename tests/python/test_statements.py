"""How dbctl cuts rendered SQL into statements (no server needed)."""

import pytest

from agentdb.errors import DbctlError
from agentdb.sqlfiles import split_statements


def texts(sql):
    return [s.text.strip() for s in split_statements(sql)]


def test_semicolons_inside_quotes_comments_and_bodies_do_not_split():
    sql = """SELECT 'a;b', "odd;name", E'it\\'s;' FROM t; -- c;d
/* x; /* nested; */ y; */ SELECT $$ ; $$;
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$ BEGIN RETURN 1; END $body$;
SELECT $1;"""
    assert len(texts(sql)) == 4
    assert texts(sql)[2].startswith("CREATE FUNCTION")


def test_lines_point_at_each_statement_start():
    statements = split_statements("-- header\n\nSELECT 1;\n\n  SELECT\n 2;")
    assert [s.line for s in statements] == [3, 5]
    assert statements[-1].terminated


def test_comment_only_tail_is_not_a_statement():
    statements = split_statements("SELECT 1;\n-- trailing comment\n")
    assert len(statements) == 1


def test_unterminated_dollar_quote_is_reported_with_its_line():
    with pytest.raises(DbctlError, match=r"f.sql:2: unterminated \$x\$ quote"):
        split_statements("SELECT 1;\nSELECT $x$ never closed;", "f.sql")
