"""Rendering SQL templates and cutting the result into statements.

A rendered file is what the ledger checksums and what `dbctl render` prints. Statements are run one
at a time so that an error is reported at its line in the rendered file, and so that a file marked
`-- dbctl:no-transaction` can run statements such as CREATE INDEX CONCURRENTLY. A file marked
`-- dbctl:connecting-role` runs as the connecting role instead of the owner role: for what belongs to
the cluster rather than to a schema (a role's settings), which the owner role may not change.
"""

import hashlib
import re
import traceback
from dataclasses import dataclass, replace

import jinja2

from agentdb.errors import DbctlError
from agentdb.manifest import SqlFile

DIRECTIVE = re.compile(r"^--\s*dbctl:(?P<name>\S+)\s*$", re.MULTILINE)
KNOWN_DIRECTIVES = {"no-transaction", "connecting-role"}
DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")
IDENT_CHAR = re.compile(r"[A-Za-z0-9_$\x80-\uffff]")


@dataclass(frozen=True)
class Statement:
    line: int  # line of the statement's first code character in the rendered file
    first_line: int  # line where `text` starts (positions reported by the server count from here)
    text: str
    terminated: bool = True  # ends with a semicolon


@dataclass(frozen=True)
class RenderedFile:
    source: SqlFile
    sql: str
    checksum: str
    transactional: bool
    statements: tuple[Statement, ...]
    as_owner: bool = True  # False for `-- dbctl:connecting-role`: no SET ROLE <owner> around the file
    # An amended versioned file (manifest [[amended]]): checksums of its released text, still valid.
    accepted_checksums: tuple[str, ...] = ()


def make_environment(manifest) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(manifest.root)),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(env: jinja2.Environment, source: SqlFile, variables: dict) -> RenderedFile:
    try:
        sql = env.get_template(source.rel).render(**variables)
    except jinja2.TemplateSyntaxError as exc:
        raise DbctlError(f"{source.rel}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.UndefinedError as exc:
        line = _template_line(exc, source)
        raise DbctlError(
            f"{source.rel}:{line}: template variable {exc.message} "
            "(declare it under [variables] in manifest.toml, or fix the name)"
        ) from None
    directives = {m["name"] for m in DIRECTIVE.finditer(sql)}
    unknown = directives - KNOWN_DIRECTIVES
    if unknown:
        raise DbctlError(
            f"{source.rel}: unknown directive '-- dbctl:{sorted(unknown)[0]}'; "
            f"known: {', '.join('-- dbctl:' + d for d in sorted(KNOWN_DIRECTIVES))}"
        )
    statements = split_statements(sql, source.rel)
    if statements and not statements[-1].terminated:
        raise DbctlError(
            f"{source.rel}:{statements[-1].line}: the last statement has no terminating semicolon"
        )
    return RenderedFile(
        source=source,
        sql=sql,
        checksum=hashlib.sha256(sql.encode()).hexdigest(),
        transactional="no-transaction" not in directives,
        statements=tuple(statements),
        as_owner="connecting-role" not in directives,
        accepted_checksums=_accepted_checksums(env, source, variables),
    )


def _accepted_checksums(env: jinja2.Environment, source: SqlFile, variables: dict) -> tuple[str, ...]:
    """For an amended file: the checksums listed in the manifest and that of its released text
    rendered with these variables (what a database migrated from that text with them recorded)."""
    amendment = source.amendment
    if amendment is None:
        return ()
    accepted = set(amendment.valid_checksums)
    if amendment.released is not None:
        released = replace(source, path=source.path.parents[2] / amendment.released,
                           rel=amendment.released, amendment=None)
        accepted.add(render(env, released, variables).checksum)
    return tuple(sorted(accepted))


def _template_line(exc: Exception, source: SqlFile) -> str:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and frame.filename.endswith(source.rel):
            return str(frame.lineno)
    return "?"


def split_statements(sql: str, name: str = "<sql>") -> list[Statement]:
    """Cut SQL at top-level semicolons, honouring quotes, dollar quotes and comments."""
    statements = []
    start = 0  # where the current statement's text begins
    code_at = None  # offset of its first code character
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if sql.startswith("/*", i):
            i = _skip_block_comment(sql, i, name)
            continue
        if code_at is None and not ch.isspace():
            code_at = i
        if ch == ";":
            _add_statement(statements, sql, start, code_at, i, True)
            start, code_at = i + 1, None
            i += 1
        elif ch == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not IDENT_CHAR.match(sql[i - 2]))
            i = _skip_quoted(sql, i, "'", escaped, name)
        elif ch == '"':
            i = _skip_quoted(sql, i, '"', False, name)
        elif ch == "$" and (i == 0 or not IDENT_CHAR.match(sql[i - 1])):
            match = DOLLAR_TAG.match(sql, i)
            if match:
                close = sql.find(match.group(0), match.end())
                if close < 0:
                    raise DbctlError(f"{name}:{_line_of(sql, i)}: unterminated {match.group(0)} quote")
                i = close + len(match.group(0))
            else:
                i += 1
        else:
            i += 1
    _add_statement(statements, sql, start, code_at, n, False)
    return statements


def _add_statement(statements, sql, start, code_at, end, terminated):
    if code_at is not None:
        line, first_line = _line_of(sql, code_at), _line_of(sql, start)
        statements.append(Statement(line, first_line, sql[start:end], terminated))


def _skip_block_comment(sql, i, name):
    depth, j = 0, i
    while j < len(sql):
        if sql.startswith("/*", j):
            depth, j = depth + 1, j + 2
        elif sql.startswith("*/", j):
            depth, j = depth - 1, j + 2
            if depth == 0:
                return j
        else:
            j += 1
    raise DbctlError(f"{name}:{_line_of(sql, i)}: unterminated /* comment")


def _skip_quoted(sql, i, quote, backslash_escapes, name):
    j = i + 1
    while j < len(sql):
        if backslash_escapes and sql[j] == "\\":
            j += 2
        elif sql[j] == quote:
            if sql.startswith(quote * 2, j):
                j += 2
            else:
                return j + 1
        else:
            j += 1
    raise DbctlError(f"{name}:{_line_of(sql, i)}: unterminated {quote} quote")


def _line_of(sql: str, offset: int) -> int:
    return sql.count("\n", 0, offset) + 1
