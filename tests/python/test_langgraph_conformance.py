"""LangGraph's official checkpointer conformance suite (PyPI langgraph-checkpoint-conformance), run
as its package runs it (`validate()` on a `@checkpointer_test` factory) against AsyncAgentDbSaver and,
as the reference, AsyncPostgresSaver on the same server in the same run. Both reports are printed
(pytest -s shows them; they are also in the assertion message on failure). Needs the langgraph-test
extra (which `make test` installs through the bench extra); skipped only when it is not installed."""

import pytest

pytest.importorskip("langgraph.checkpoint.conformance", reason="pip install -e '.[langgraph-test]'")
pytest.importorskip("langgraph.checkpoint.postgres.aio", reason="pip install -e '.[langgraph-test]'")

import asyncio  # noqa: E402
import io  # noqa: E402
from contextlib import redirect_stdout  # noqa: E402

from langgraph.checkpoint.conformance import checkpointer_test, validate  # noqa: E402
from langgraph.checkpoint.conformance.capabilities import BASE_CAPABILITIES, EXTENDED_CAPABILITIES  # noqa: E402
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver  # noqa: E402

from agentdb.langgraph import AsyncAgentDbSaver  # noqa: E402
from langgraph_support import app_dsn, langgraph_databases  # noqa: E402


@pytest.fixture(scope="module")
def databases(admin_dsn):
    with langgraph_databases(admin_dsn, "lgconf") as dsns:
        yield dsns


def run_suite(name, factory):
    registered = checkpointer_test(name=name)(factory)
    report = asyncio.run(validate(registered))
    text = io.StringIO()
    with redirect_stdout(text):
        report.print_report()
    print(text.getvalue())
    return report, text.getvalue()


def test_agentdb_saver_passes_every_capability(databases):
    async def agentdb_saver():
        async with AsyncAgentDbSaver.from_conn_string(app_dsn(databases["agentdb"])) as saver:
            await saver.setup()
            yield saver

    report, text = run_suite("AsyncAgentDbSaver", agentdb_saver)
    for capability in BASE_CAPABILITIES | EXTENDED_CAPABILITIES:
        result = report.results[capability.value]
        assert result.detected and result.passed is True, f"{capability.value}: {result.failures}\n{text}"
        assert result.tests_passed > 0 and result.tests_failed == 0, text
    assert report.conformance_level() == "FULL", text


def test_postgres_saver_reference(databases):
    """The reference on the same server: which capabilities langgraph-checkpoint-postgres lacks."""
    async def postgres_saver():
        async with AsyncPostgresSaver.from_conn_string(databases["postgres"]) as saver:
            await saver.setup()
            yield saver

    report, text = run_suite("AsyncPostgresSaver", postgres_saver)
    missing = sorted(c.value for c in EXTENDED_CAPABILITIES if not report.results[c.value].detected)
    print(f"AsyncPostgresSaver does not implement: {', '.join(missing) or 'nothing'}")
    assert report.passed_all_base(), text
    # langgraph-checkpoint-postgres 3.2 implements prune and neither copy_thread nor delete_for_runs:
    # if that changes, this reference (and docs/langgraph.md) must be brought up to date.
    assert missing == ["copy_thread", "delete_for_runs"], text
