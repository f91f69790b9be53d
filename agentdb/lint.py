"""`dbctl lint`: sqlfluff over every SQL template, squawk over the rendered versioned migrations.

Rules we disagree with are switched off in .sqlfluff and .squawk.toml, each with its reason.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from agentdb.errors import DbctlError
from agentdb.manifest import REPEATABLE_KINDS
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
