"""`dbctl lint`: sqlfluff over every SQL template, squawk over the rendered versioned migrations,
pgspot (the PostgreSQL security linter) over the rendered migration files of every module.

Rules we disagree with are switched off in .sqlfluff and .squawk.toml, each with its reason; a pgspot
finding we accept is listed in .pgspot.toml with its reason.
"""

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from agentdb.errors import DbctlError
from agentdb.manifest import REPEATABLE_KINDS
from agentdb.migrate import SEARCH_PATH
from agentdb.project import Project

SQL_FOLDERS = ("schema", *REPEATABLE_KINDS, "seeds", "tests")


def _tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise DbctlError(f"{name} is not installed: run `make setup`")
    return found


def sqlfluff(project: Project) -> int:
    folders = [f for f in SQL_FOLDERS if (project.root / f).is_dir()]
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", prefix="sqlfluff-context-") as config:
        config.write("[sqlfluff:templater:jinja:context]\n")
        for name, value in project.variables.items():
            config.write(f"{name} = {value}\n")
        config.flush()
        command = [_tool("sqlfluff"), "lint", "--config", config.name, "--processes", "2", *folders]
        # sqlfluff's worker pool leaves a harmless resource_tracker warning at exit: hide it.
        quiet = {**os.environ, "PYTHONWARNINGS": "ignore::UserWarning:multiprocessing.resource_tracker"}
        return subprocess.run(command, cwd=project.root, env=quiet).returncode


def squawk(project: Project) -> int:
    """Transactional files are linted as dbctl runs them, inside a transaction; the others not."""
    versioned = project.kind_files(project.modules(), "schema")
    worst = 0
    with tempfile.TemporaryDirectory(prefix="agentdb-squawk-") as folder:
        for transactional in (True, False):
            paths = []
            for rf in (f for f in versioned if f.transactional == transactional):
                target = Path(folder, rf.source.rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(rf.sql)
                paths.append(rf.source.rel)
            if not paths:
                continue
            mode = "--assume-in-transaction" if transactional else "--no-assume-in-transaction"
            command = [_tool("squawk"), "--config", str(project.root / ".squawk.toml"), mode, *paths]
            worst = max(worst, subprocess.run(command, cwd=folder).returncode)
    return worst


FINDING = re.compile(r"^(?P<code>PS\d{3}): (?P<message>.*) at line (?P<line>\d+)$")


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.code}: {self.message}"


def pgspot_acceptances(project: Project) -> list[dict]:
    """The [[accept]] entries of .pgspot.toml: code, files (globs), optional contains, and a reason."""
    path = project.root / ".pgspot.toml"
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text()).get("accept", [])
    for entry in entries:
        if not entry.get("code") or not entry.get("files") or not str(entry.get("reason", "")).strip():
            raise DbctlError(f"{path}: every [[accept]] needs code, files and a reason: {entry}")
    return entries


def accepted(finding: Finding, entries: list[dict]) -> bool:
    return any(
        finding.code == e["code"]
        and any(fnmatch.fnmatch(finding.file, glob) for glob in e["files"])
        and e.get("contains", "") in finding.message
        for e in entries
    )


def pgspot_findings(project: Project) -> list[Finding]:
    """pgspot over each rendered migration file, after one line that tells it what dbctl guarantees:
    `CREATE SCHEMA <module>;` (the module's first file creates its schema, owned by the owner role,
    so CREATE OR REPLACE in it is safe) and the search_path dbctl migrates with. A file pgspot cannot
    parse to its end is itself a finding (PS000)."""
    files = project.migration_files(project.modules())
    pgspot = _tool("pgspot")
    with tempfile.TemporaryDirectory(prefix="agentdb-pgspot-") as folder:
        def check(rf) -> list[Finding]:
            target = Path(folder, rf.source.rel.replace("/", "__"))
            target.write_text(f"CREATE SCHEMA {rf.source.module};SET search_path = {SEARCH_PATH};" + rf.sql)
            result = subprocess.run([pgspot, str(target)], capture_output=True, text=True)
            return _parse_pgspot(rf, result.stdout + result.stderr)

        # One pgspot process per file, as many at once as there are cores (each is a Python start-up).
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            return [finding for found in pool.map(check, files) for finding in found]


def _parse_pgspot(rf, output: str) -> list[Finding]:
    found = []
    for text in output.splitlines():
        match = FINDING.match(text.strip())
        if match:
            line = _statement_line(rf, int(match["line"]))
            found.append(Finding(rf.source.rel, line, match["code"], match["message"]))
        elif "syntax error" in text:
            found.append(Finding(rf.source.rel, 0, "PS000",
                                 f"pgspot could not parse the file to its end ({text.strip()})"))
    return found


def _statement_line(rf, reported: int) -> int:
    """pgspot reports the line where a statement's text starts (after the previous semicolon);
    name the line of the statement's first code instead."""
    if not rf.statements:
        return reported
    candidates = [s for s in rf.statements if s.first_line <= reported]
    return (candidates[-1] if candidates else rf.statements[0]).line


def pgspot(project: Project, echo=print) -> int:
    entries = pgspot_acceptances(project)
    findings = pgspot_findings(project)
    open_findings = [f for f in findings if not accepted(f, entries)]
    for finding in open_findings:
        echo(str(finding))
    echo(f"pgspot: {len(findings)} findings, {len(findings) - len(open_findings)} accepted in .pgspot.toml, "
         f"{len(open_findings)} open")
    return 1 if open_findings else 0
