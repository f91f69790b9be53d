"""Objects the ledger says exist: the tables, views and functions each applied file creates.

`dbctl status` checks them against the catalog (a function dropped by hand is noticed) and
`dbctl migrate` re-applies a repeatable file whose objects are missing. The names come from the
rendered SQL with a deliberately conservative parser: only top-level `CREATE [OR REPLACE]
TABLE | VIEW | MATERIALIZED VIEW | FUNCTION | PROCEDURE` statements with a schema-qualified name
count (not partitions, which maintenance creates and drops, nor temporary objects, nor anything built
by dynamic SQL), and an object a later statement of the module drops or renames is forgotten. A table
that a routine of the module moves (`ALTER TABLE s.t SET SCHEMA other` in its body, e.g. an archive
step) is present in either schema.
"""

import json
import re
from dataclasses import dataclass, replace

import psycopg

from agentdb.sqlfiles import RenderedFile

IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
QNAME = rf"{IDENT}\s*\.\s*{IDENT}"
KIND = r"(?P<kind>TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|PROCEDURE)"
CREATE = re.compile(
    rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:(?P<temp>TEMP|TEMPORARY)\s+)?(?:UNLOGGED\s+)?(?:RECURSIVE\s+)?"
    rf"{KIND}\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>{QNAME})\s*(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
DROP = re.compile(rf"DROP\s+{KIND}\s+(?:IF\s+EXISTS\s+)?(?P<rest>.*)", re.IGNORECASE | re.DOTALL)
ALTER = re.compile(
    rf"ALTER\s+{KIND}\s+(?:IF\s+EXISTS\s+)?(?P<name>{QNAME})\s*(?P<rest>.*)", re.IGNORECASE | re.DOTALL
)
MOVE = re.compile(rf"ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?P<name>{QNAME})\s+SET\s+SCHEMA\s+(?P<schema>{IDENT})",
                  re.IGNORECASE)
LEADING_COMMENTS = re.compile(r"^(?:\s+|--[^\n]*\n?|/\*.*?\*/)*", re.DOTALL)
ROUTINES = ("function", "procedure")
# Types whose name has several words: an argument starting with one of these has no name.
MULTIWORD_TYPES = {"double", "timestamp", "time", "character", "char", "bit", "national", "interval", "varchar"}


@dataclass(frozen=True)
class CatalogObject:
    kind: str  # table, view, materialized view, function, procedure
    name: str  # schema-qualified, as written
    arg_types: tuple[str, ...] | None = None  # routines: the input argument types
    moved_to: str | None = None  # tables: where a routine of the module may move it (schema-qualified)

    @property
    def key(self) -> tuple:
        return (self.kind in ROUTINES, _fold(self.name), self.arg_types)

    def signature(self) -> str:
        return f"{self.name}({', '.join(self.arg_types or ())})" if self.kind in ROUTINES else self.name

    def describe(self) -> str:
        return f"{self.kind} {self.signature()}"


def _fold(name: str) -> str:
    """Identifier comparison as PostgreSQL does it: unquoted parts fold to lower case."""
    return ".".join(p.strip()[1:-1].replace('""', '"') if p.strip().startswith('"') else p.strip().lower()
                    for p in re.findall(rf"{IDENT}", name))


def _outside_quotes(text: str):
    """(index, character, parenthesis depth) of each character of `text` outside quotes; a
    parenthesis carries the depth it opens from or closes back to."""
    depth, quote = 0, None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            yield i, ch, depth
            depth += 1
        elif ch == ")":
            depth -= 1
            yield i, ch, depth
        else:
            yield i, ch, depth


def _parenthesised(text: str) -> str | None:
    """The text inside the parentheses `text` starts with (quotes respected), or None."""
    if not text.startswith("("):
        return None
    return next((text[1:i] for i, ch, depth in _outside_quotes(text) if ch == ")" and depth == 0), None)


def _split_top_level(text: str) -> list[str]:
    """`text` split at the commas outside parentheses and quotes."""
    parts, start = [], 0
    for i, ch, depth in _outside_quotes(text):
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def argument_types(arguments: str) -> tuple[str, ...]:
    """Input argument types of a routine's argument list (names, defaults and OUT arguments removed)."""
    types = []
    for arg in _split_top_level(arguments):
        arg = re.split(r"\s+DEFAULT\s+|\s*=\s*", arg, maxsplit=1, flags=re.IGNORECASE)[0].strip()
        words = arg.split()
        mode = words[0].upper() if words else ""
        if mode in ("IN", "OUT", "INOUT", "VARIADIC"):
            words = words[1:]
        if mode == "OUT" or not words:
            continue
        if len(words) > 1 and words[0].lower() not in MULTIWORD_TYPES:
            words = words[1:]  # the argument's name
        types.append(" ".join(words))
    return tuple(types)


def _routine(kind: str, name: str, rest: str) -> CatalogObject | None:
    arguments = _parenthesised(rest)
    return None if arguments is None else CatalogObject(kind, name, argument_types(arguments))


def _kind(text: str) -> str:
    return " ".join(text.lower().split())


def created_objects(files: list[RenderedFile]) -> dict:
    """{file rel: [CatalogObject]} for files applied in this order (one module's files)."""
    alive: dict = {}  # key -> (file rel, object), in creation order
    for rf in files:
        for statement in rf.statements:
            text = LEADING_COMMENTS.sub("", statement.text, count=1)
            if (match := CREATE.match(text)) and not match["temp"]:
                kind, name, rest = _kind(match["kind"]), match["name"], match["rest"]
                if kind in ROUTINES:
                    obj = _routine(kind, name, rest)
                elif re.match(r"PARTITION\s+OF\b", rest, re.IGNORECASE):
                    obj = None  # partitions come and go with maintenance
                else:
                    obj = CatalogObject(kind, name)
                if obj is not None:
                    alive[obj.key] = (rf.source.rel, obj)
            elif match := DROP.match(text):
                _forget(alive, _kind(match["kind"]), match["rest"])
            elif (match := ALTER.match(text)) and re.match(r"(RENAME\s+TO|SET\s+SCHEMA)\b", _after_args(
                    _kind(match["kind"]), match["rest"]), re.IGNORECASE):
                _forget(alive, _kind(match["kind"]), f'{match["name"]} {match["rest"]}')
    moves = _moves(files)
    result: dict = {rf.source.rel: [] for rf in files}
    for rel, obj in alive.values():
        if obj.kind == "table" and _fold(obj.name) in moves:
            obj = replace(obj, moved_to=moves[_fold(obj.name)])
        result[rel].append(obj)
    return result


def _moves(files: list[RenderedFile]) -> dict:
    """{folded table name: its name in the other schema} for tables the files' routines move."""
    moves = {}
    for rf in files:
        for statement in rf.statements:
            text = LEADING_COMMENTS.sub("", statement.text, count=1)
            if (match := CREATE.match(text)) and _kind(match["kind"]) in ROUTINES:
                for move in MOVE.finditer(match["rest"]):
                    table = re.findall(IDENT, move["name"])[-1]
                    moves[_fold(move["name"])] = f'{move["schema"]}.{table}'
    return moves


def _after_args(kind: str, rest: str) -> str:
    """What follows a routine's argument list (or a relation's name) in an ALTER statement."""
    if kind in ROUTINES and rest.startswith("("):
        inside = _parenthesised(rest)
        return rest[len(inside or "") + 2:].lstrip()
    return rest


def _forget(alive: dict, kind: str, rest: str):
    """Remove what a DROP (a list of names) or an ALTER ... RENAME/SET SCHEMA (one name) removes."""
    routine = kind in ROUTINES
    text = re.split(r"\s+(?:CASCADE|RESTRICT|RENAME|SET|OWNER)\b", rest, maxsplit=1, flags=re.IGNORECASE)[0]
    for item in _split_top_level(text):
        name = re.match(rf"\s*({QNAME}|{IDENT})", item)
        if not name:
            continue
        folded = _fold(name.group(1))
        arguments = _parenthesised(item[name.end():].lstrip()) if routine else None
        types = argument_types(arguments) if arguments is not None else None
        for key in [k for k in alive if k[0] == routine and (k[1] == folded or k[1].endswith("." + folded))]:
            if types is None or key[2] == types:
                del alive[key]


PRESENT_SQL = """
SELECT CASE WHEN o.routine THEN
           to_regprocedure(o.signature) IS NOT NULL
           OR coalesce((SELECT bool_or(to_regtype(t) IS NULL) FROM unnest(o.types) AS t), false)
              AND EXISTS (SELECT FROM pg_catalog.pg_proc AS p
                            JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
                           WHERE n.nspname = (pg_catalog.parse_ident(o.name))[1]
                             AND p.proname = (pg_catalog.parse_ident(o.name))[2]
                             AND p.pronargs = cardinality(o.types))
       ELSE to_regclass(o.name) IS NOT NULL OR to_regclass(o.moved_to) IS NOT NULL END
  FROM jsonb_to_recordset(%s::jsonb)
       AS o(i integer, routine boolean, name text, signature text, types text[], moved_to text)
 ORDER BY o.i
"""


def missing(conn: psycopg.Connection, objects: list[CatalogObject]) -> list[CatalogObject]:
    """The objects the catalog lacks, in one query (one per object if a name makes that one fail).
    A routine whose argument types do not resolve from this session's search_path counts as present
    when one of that name and arity exists."""
    if not objects:
        return []
    try:
        present = [row[0] for row in conn.execute(PRESENT_SQL, (_json(objects),)).fetchall()]
    except psycopg.Error:
        present = []
        for obj in objects:
            try:
                present.append(conn.execute(PRESENT_SQL, (_json([obj]),)).fetchone()[0])
            except psycopg.Error:
                present.append(True)  # a name the server cannot parse is not ours to judge
    return [obj for obj, found in zip(objects, present) if not found]


def _json(objects: list[CatalogObject]) -> str:
    return json.dumps([{"i": i, "routine": o.kind in ROUTINES, "name": o.name, "signature": o.signature(),
                        "types": list(o.arg_types or ()), "moved_to": o.moved_to} for i, o in enumerate(objects)])
