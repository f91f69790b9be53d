"""The same store cases against LangGraph's InMemoryStore, langgraph-checkpoint-postgres' PostgresStore
(on the same server, a database of its own) and agentdb's AgentDbStore: they agree, and where agentdb
(or a reference) deliberately differs the case says so. The embeddings are a toy: letter counts in 26
dimensions (the agentdb database is migrated with langgraph_store_embedding_dim=26)."""

import math
import time

import psycopg
import pytest

pytest.importorskip("langgraph.store.postgres", reason="pip install -e '.[langgraph-test]'")

from langchain_core.embeddings import Embeddings  # noqa: E402
from langgraph.store.memory import InMemoryStore  # noqa: E402
from langgraph.store.postgres import PostgresStore  # noqa: E402

from agentdb.langgraph import AgentDbStore, ModuleNotMigrated  # noqa: E402
from langgraph_support import app_dsn, langgraph_databases  # noqa: E402

KINDS = ["memory", "postgres", "agentdb"]
DIMS = 26


class LetterEmbeddings(Embeddings):
    """A toy embedding: how often each letter a-z occurs (never all zero)."""

    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        counts = [float(text.lower().count(chr(ord("a") + i))) for i in range(DIMS)]
        return counts if any(counts) else [1.0] + [0.0] * (DIMS - 1)


INDEX = {"dims": DIMS, "embed": LetterEmbeddings(), "fields": ["text"]}


@pytest.fixture(scope="module")
def databases(admin_dsn):
    with langgraph_databases(admin_dsn, "lgstore", {"langgraph_store_embedding_dim": str(DIMS)}) as dsns:
        yield dsns


@pytest.fixture(params=KINDS)
def kind(request):
    return request.param


@pytest.fixture
def make_store(kind, databases):
    """make_store(index=None, ttl=None) -> an empty store of this kind."""
    opened = []

    def make(index=None, ttl=None):
        if kind == "memory":
            return InMemoryStore(index=index)
        if kind == "postgres":
            conn = psycopg.connect(databases["postgres"], autocommit=True, prepare_threshold=0,
                                   row_factory=psycopg.rows.dict_row)
            opened.append(conn)
            store = PostgresStore(conn, index=index, ttl=ttl)
            store.setup()
            conn.execute("TRUNCATE store CASCADE")
            return store
        with psycopg.connect(databases["agentdb"], autocommit=True) as owner:
            owner.execute("TRUNCATE langgraph.store CASCADE")
        conn = psycopg.connect(app_dsn(databases["agentdb"]), autocommit=True, prepare_threshold=0,
                               row_factory=psycopg.rows.dict_row)
        opened.append(conn)
        store = AgentDbStore(conn, index=index, ttl=ttl)
        store.setup()
        return store

    yield make
    for conn in opened:
        conn.close()


def keys(items):
    return sorted(i.key for i in items)


def test_put_get_delete(kind, make_store):
    store = make_store()
    store.put(("users", "alice"), "prefs", {"theme": "dark", "n": 1})
    item = store.get(("users", "alice"), "prefs")
    assert item.value == {"theme": "dark", "n": 1} and item.key == "prefs" and item.namespace == ("users", "alice")
    created = item.created_at
    store.put(("users", "alice"), "prefs", {"theme": "light"})
    again = store.get(("users", "alice"), "prefs")
    assert again.value == {"theme": "light"} and again.updated_at >= item.updated_at
    # A key written again keeps its created_at in PostgresStore and agentdb; InMemoryStore makes a
    # new item (a difference of the reference, not of agentdb).
    assert (again.created_at == created) == (kind != "memory")
    assert store.get(("users", "bob"), "prefs") is None
    assert store.get(("users",), "prefs") is None, "a namespace is not its prefix"
    store.delete(("users", "alice"), "prefs")
    assert store.get(("users", "alice"), "prefs") is None
    # A batch: the last put of a key wins, gets see what was there before the batch's puts.
    from langgraph.store.base import GetOp, PutOp
    results = store.batch([PutOp(("b",), "k", {"v": 1}), PutOp(("b",), "k", {"v": 2}), GetOp(("b",), "k")])
    assert results[:2] == [None, None]
    assert store.get(("b",), "k").value == {"v": 2}


def test_search_filters_and_pages(kind, make_store):
    store = make_store()
    for n in range(20):
        store.put(("docs", "team" + str(n % 2)), f"d{n:02}",
                  {"n": n, "kind": "even" if n % 2 == 0 else "odd", "tags": ["x"] if n % 5 == 0 else []})
    store.put(("docsx",), "other", {"n": 100, "kind": "even"})
    assert keys(store.search(("docs",), limit=100)) == [f"d{n:02}" for n in range(20)]
    assert keys(store.search(("docs", "team0"), limit=100)) == [f"d{n:02}" for n in range(0, 20, 2)]
    assert keys(store.search(("docs",), filter={"kind": "even"}, limit=100)) == [f"d{n:02}" for n in range(0, 20, 2)]
    assert keys(store.search(("docs",), filter={"kind": "even", "n": 4}, limit=100)) == ["d04"]
    # A number compares as a number in InMemoryStore and agentdb (jsonb order); PostgresStore compares
    # the text ('2' >= '15'), a difference of the reference.
    found = keys(store.search(("docs",), filter={"n": {"$gte": 15}}, limit=100))
    if kind == "postgres":
        assert found == sorted(f"d{n:02}" for n in range(20) if str(n) >= "15")
    else:
        assert found == [f"d{n:02}" for n in range(15, 20)]
    assert keys(store.search(("docs",), filter={"n": {"$lt": 3}, "kind": "odd"}, limit=100)) == ["d01"] or kind == "postgres"
    assert keys(store.search(("docs",), filter={"kind": {"$ne": "even"}}, limit=100)) == [f"d{n:02}" for n in range(1, 20, 2)]
    # Equality on a list is equality, not containment.
    assert keys(store.search(("docs",), filter={"tags": ["x"]}, limit=100)) == ["d00", "d05", "d10", "d15"]
    assert keys(store.search((), filter={"n": 100}, limit=100)) == ["other"]
    # Pages: limit and offset cut one order into pages without gaps or repeats. (The order itself
    # without a query is each store's: InMemoryStore's insertion order, PostgresStore's and
    # agentdb's most recently updated first.)
    pages = [store.search(("docs",), limit=6, offset=o) for o in range(0, 24, 6)]
    assert [len(p) for p in pages] == [6, 6, 6, 2]
    assert keys([i for p in pages for i in p]) == [f"d{n:02}" for n in range(20)]


def test_list_namespaces(make_store):
    store = make_store()
    for ns in [("a", "b", "c"), ("a", "b", "d"), ("a", "e"), ("x", "b", "c"), ("x",)]:
        store.put(ns, "k", {"v": 1})
    assert store.list_namespaces() == [("a", "b", "c"), ("a", "b", "d"), ("a", "e"), ("x",), ("x", "b", "c")]
    assert store.list_namespaces(prefix=("a",)) == [("a", "b", "c"), ("a", "b", "d"), ("a", "e")]
    assert store.list_namespaces(prefix=("a", "b")) == [("a", "b", "c"), ("a", "b", "d")]
    assert store.list_namespaces(suffix=("c",)) == [("a", "b", "c"), ("x", "b", "c")]
    assert store.list_namespaces(prefix=("*", "b")) == [("a", "b", "c"), ("a", "b", "d"), ("x", "b", "c")]
    assert store.list_namespaces(max_depth=1) == [("a",), ("x",)]
    assert store.list_namespaces(prefix=("a",), max_depth=2) == [("a", "b"), ("a", "e")]
    assert store.list_namespaces(limit=2, offset=1) == [("a", "b", "d"), ("a", "e")]


def test_vector_search(kind, make_store):
    store = make_store(index=INDEX)
    texts = {"cat": "cat cat cat", "dog": "a dog", "tabby": "tabby", "catalog": "catalog of cats",
             "zebra": "zebra"}
    for key, text in texts.items():
        store.put(("pets",), key, {"text": text, "kind": "animal" if key != "catalog" else "book"})
    store.put(("pets",), "hidden", {"text": "cat"}, index=False)
    results = store.search(("pets",), query="a cat", limit=3)
    expected = {}
    q = LetterEmbeddings().embed_query("a cat")
    for key, text in texts.items():
        v = LetterEmbeddings().embed_query(text)
        expected[key] = sum(a * b for a, b in zip(q, v)) / math.sqrt(sum(a * a for a in q) * sum(b * b for b in v))
    ranked = sorted(expected, key=lambda k: -expected[k])
    assert [r.key for r in results] == ranked[:3]
    for r in results:
        assert r.score == pytest.approx(expected[r.key], abs=1e-5)
    filtered = store.search(("pets",), query="a cat", filter={"kind": "animal"}, limit=2)
    assert [r.key for r in filtered] == [k for k in ranked if k != "catalog"][:2]
    assert [r.key for r in store.search(("pets",), query="a cat", limit=2, offset=1)] == ranked[1:3]
    # An item put with index=False has no embedding: PostgresStore and agentdb leave it out of a
    # query's results; InMemoryStore lists it after the scored ones, without a score.
    everything = store.search(("pets",), query="cat", limit=10)
    if kind == "memory":
        assert everything[-1].key == "hidden" and everything[-1].score is None
    else:
        assert "hidden" not in [r.key for r in everything] and len(everything) == 5


def test_ttl_and_refresh(kind, make_store, databases):
    if kind == "memory":
        # InMemoryStore keeps no TTL: it refuses one (the difference, tested).
        with pytest.raises(NotImplementedError):
            make_store().put(("t",), "k", {"v": 1}, ttl=1)
        return
    store = make_store(ttl={"default_ttl": None, "refresh_on_read": True})
    table = "store" if kind == "postgres" else "langgraph.store"
    dsn = databases[kind]

    def expires(key):
        with psycopg.connect(dsn) as conn:
            return conn.execute(f"SELECT expires_at FROM {table} WHERE key = %s", (key,)).fetchone()[0]

    store.put(("t",), "k", {"v": 1}, ttl=10)
    store.put(("t",), "forever", {"v": 1})
    assert expires("forever") is None
    first = expires("k")
    time.sleep(0.05)
    store.get(("t",), "k", refresh_ttl=False)
    assert expires("k") == first, "a read without refresh leaves the expiry"
    store.get(("t",), "k")
    refreshed = expires("k")
    assert refreshed > first, "a read refreshes the expiry (refresh_on_read)"
    time.sleep(0.05)
    store.search(("t",), limit=10)
    assert expires("k") > refreshed, "a search refreshes too"
    store.put(("t",), "short", {"v": 1}, ttl=0.001)  # 60 ms
    time.sleep(0.2)
    if kind == "postgres":
        store.sweep_ttl()
    else:
        # agentdb: maintenance removes expired items (the task core.run_maintenance() calls).
        with psycopg.connect(dsn, autocommit=True) as conn:
            assert conn.execute("SELECT langgraph.expire_store_items(now())").fetchone()[0] == 1
    assert store.get(("t",), "short") is None
    assert store.get(("t",), "k") is not None and store.get(("t",), "forever") is not None


def test_agentdb_store_setup_checks_the_dimension(databases):
    """agentdb's schema is migrated with a dimension; an index config of another is refused clearly."""
    with AgentDbStore.from_conn_string(app_dsn(databases["agentdb"]), index={**INDEX, "dims": 1536}) as store:
        with pytest.raises(ModuleNotMigrated, match="langgraph_store_embedding_dim=1536"):
            store.setup()
