"""The manifest (manifest.toml) and the SQL files it makes reachable.

Every SQL file in the kind folders must belong to a declared module and follow the naming rules of
its kind; anything else is refused rather than silently skipped.
"""

import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from agentdb.errors import DbctlError

# Repeatable kinds, in the order they are applied after a module's versioned files.
REPEATABLE_KINDS = ("functions", "partitions", "retention", "views")
VERSIONED_NAME = re.compile(r"^(?P<version>\d{4})_[a-z0-9_]+\.sql$")
PLAIN_NAME = re.compile(r"^[a-z0-9_]+\.sql$")
TEST_NAME = re.compile(r"^(\d{2}_[a-z0-9_]+|helpers)\.sql$")
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
VARIABLE_TYPES = ("identifier", "integer")
CHECKSUM = re.compile(r"^[0-9a-f]{64}$")
AMENDED_KEYS = {"file", "reason", "released", "valid_checksums"}
RELEASED_FOLDER = "released"


@dataclass(frozen=True)
class Amendment:
    """A released versioned file that was amended (manifest [[amended]]): the checksums its released
    text recorded stay valid for it, like Liquibase's validCheckSum, so databases that applied that
    text report no drift; any other checksum is still drift. The released text is kept (`released`,
    under released/, never edited) and rendered with the run's variables, so a database migrated with
    other variable values is recognised too; `valid_checksums` lists further checksums by value."""
    reason: str
    released: str | None = None  # project-relative path of the released text
    valid_checksums: tuple[str, ...] = ()


@dataclass(frozen=True)
class SqlFile:
    module: str
    kind: str  # "schema" (versioned), one of REPEATABLE_KINDS, "seeds" or "tests"
    path: Path  # absolute
    rel: str  # relative to the project, with forward slashes: how it is named everywhere
    version: int | None = None
    amendment: Amendment | None = None  # versioned files amended after release only

    @property
    def versioned(self) -> bool:
        return self.kind == "schema"


@dataclass
class Module:
    name: str
    requires: list[str]
    extensions: list[str]
    min_server_version: int
    doc: str = ""


@dataclass
class Manifest:
    root: Path
    modules: list[Module]
    settings: dict
    variables: dict  # name -> {"type", "default", "doc"}
    files: dict = field(default_factory=dict)  # (module, kind) -> [SqlFile] in apply order

    def module(self, name: str) -> Module:
        for module in self.modules:
            if module.name == name:
                return module
        known = ", ".join(m.name for m in self.modules)
        raise DbctlError(f"unknown module {name!r}; the manifest declares: {known}")

    def select(self, names) -> list[Module]:
        """The named modules plus everything they require, in manifest order (all if none named)."""
        if not names:
            return list(self.modules)
        wanted = set()
        pending = list(names)
        while pending:
            module = self.module(pending.pop())
            if module.name not in wanted:
                wanted.add(module.name)
                pending.extend(module.requires)
        return [m for m in self.modules if m.name in wanted]

    def migration_files(self, module: Module) -> list[SqlFile]:
        """A module's files in apply order: versioned, then functions, partitions, retention, views."""
        result = list(self.files.get((module.name, "schema"), []))
        for kind in REPEATABLE_KINDS:
            result.extend(self.files.get((module.name, kind), []))
        return result

    def kind_files(self, module: Module, kind: str) -> list[SqlFile]:
        return list(self.files.get((module.name, kind), []))

    def resolve_variables(self, overrides: dict[str, str]) -> dict:
        """Defaults, overridden by AGENTDB_<NAME> from the environment, then by --set."""
        unknown = sorted(set(overrides) - set(self.variables))
        if unknown:
            raise DbctlError(
                f"unknown template variable {unknown[0]!r} in --set; "
                f"manifest.toml declares: {', '.join(sorted(self.variables))}"
            )
        values = {}
        for name, spec in self.variables.items():
            raw = overrides.get(name, os.environ.get(f"AGENTDB_{name.upper()}", spec["default"]))
            values[name] = _typed(name, spec["type"], raw)
        return values


def _typed(name: str, kind: str, raw):
    text = str(raw)
    if kind == "integer":
        if not re.fullmatch(r"-?\d+", text):
            raise DbctlError(f"template variable {name}={text!r} is not an integer")
        return int(text)
    if kind == "identifier" and not IDENTIFIER.match(text):
        raise DbctlError(
            f"template variable {name}={text!r} is not a plain SQL identifier "
            "(lower-case letters, digits and _, at most 63 characters)"
        )
    return text


def load(root: Path) -> Manifest:
    path = root / "manifest.toml"
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise DbctlError(f"{path}: no manifest here; pass --project with the agentdb folder") from None
    except tomllib.TOMLDecodeError as exc:
        raise DbctlError(f"{path}: {exc}") from None

    settings = data.get("settings", {})
    default_min = int(settings.get("min_server_version", 14))
    modules = []
    for entry in data.get("modules", []):
        modules.append(
            Module(
                name=entry["name"],
                requires=list(entry.get("requires", [])),
                extensions=list(entry.get("extensions", [])),
                min_server_version=int(entry.get("min_server_version", default_min)),
                doc=entry.get("doc", ""),
            )
        )
    variables = data.get("variables", {})
    for name, spec in variables.items():
        if spec.get("type") not in VARIABLE_TYPES:
            raise DbctlError(f"{path}: variable {name!r} needs a type, one of {VARIABLE_TYPES}")
    manifest = Manifest(root=root, modules=modules, settings=settings, variables=variables)
    _check_modules(manifest, path)
    manifest.files = _amend(_discover(manifest), data.get("amended", []), path, {m.name for m in modules})
    return manifest


def _amend(files: dict, entries: list, path: Path, modules: set) -> dict:
    """Attach each [[amended]] entry to its versioned file, checked: a versioned file of a declared
    module, listed once, with a reason and its released text (released/<file>), its checksums (64 hex
    digits) or both. An entry of a module the manifest does not declare (a project trimmed to some
    modules) has no file to attach to and is left aside."""
    versioned = {f.rel: f for (_, kind), fs in files.items() if kind == "schema" for f in fs}
    amended = {}
    for entry in entries:
        where = f"{path}: [[amended]] {entry.get('file', '(no file)')!r}"
        unknown = sorted(set(entry) - AMENDED_KEYS)
        if unknown:
            raise DbctlError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(AMENDED_KEYS))}")
        rel, reason = entry.get("file"), entry.get("reason")
        released, checksums = entry.get("released"), entry.get("valid_checksums", [])
        parts = rel.split("/") if isinstance(rel, str) else []
        shaped = len(parts) == 3 and parts[0] == "schema" and VERSIONED_NAME.match(parts[2])
        if shaped and parts[1] not in modules:
            continue
        if rel not in versioned:
            raise DbctlError(f"{where}: not a versioned file of this project (schema/<module>/NNNN_*.sql); "
                             "only versioned files can drift, so only they are amended")
        if rel in amended:
            raise DbctlError(f"{where}: listed twice; put every valid checksum in one entry")
        if not isinstance(reason, str) or not reason.strip():
            raise DbctlError(f"{where}: needs a reason (why the released file was amended)")
        if not isinstance(checksums, list) or not all(isinstance(c, str) and CHECKSUM.match(c) for c in checksums):
            raise DbctlError(f"{where}: valid_checksums must be a list of SHA-256 checksums "
                             "(64 lower-case hex digits, as core.migration_ledger records them)")
        if released is None and not checksums:
            raise DbctlError(f"{where}: name the released text (released = \"{RELEASED_FOLDER}/{rel}\") "
                             "or list its checksums (valid_checksums)")
        if released is not None and (
                released != f"{RELEASED_FOLDER}/{rel}" or not (path.parent / released).is_file()):
            raise DbctlError(f"{where}: released must be {RELEASED_FOLDER}/{rel}, the file's released text, "
                             "kept unedited")
        amended[rel] = Amendment(reason.strip(), released, tuple(checksums))
    return {key: [replace(f, amendment=amended[f.rel]) if f.rel in amended else f for f in fs]
            for key, fs in files.items()}


def _check_modules(manifest: Manifest, path: Path):
    seen = []
    for module in manifest.modules:
        if not IDENTIFIER.match(module.name) or module.name in seen:
            raise DbctlError(f"{path}: module name {module.name!r} is invalid or declared twice")
        for dependency in module.requires:
            if dependency not in seen:
                raise DbctlError(
                    f"{path}: module {module.name!r} requires {dependency!r}, "
                    "which must be declared before it"
                )
        seen.append(module.name)


def _discover(manifest: Manifest) -> dict:
    """Every SQL file under the kind folders, checked against the manifest's rules."""
    names = {m.name for m in manifest.modules}
    files: dict = {}
    for kind in ("schema", *REPEATABLE_KINDS, "seeds", "tests"):
        base = manifest.root / kind
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            # tests/python and tests/citus hold the pytest suites (the second needs a Citus cluster).
            if path.is_dir() or (kind == "tests" and path.relative_to(base).parts[0] in ("python", "citus")):
                continue
            rel = path.relative_to(manifest.root).as_posix()
            parts = path.relative_to(base).parts
            if path.name.startswith(".") or path.name == "README.md":
                continue
            if len(parts) != 2 or parts[0] not in names:
                raise DbctlError(
                    f"{rel}: not reachable by the manifest; files go in {kind}/<module>/ "
                    f"with a module declared in manifest.toml ({', '.join(sorted(names))})"
                )
            files.setdefault((parts[0], kind), []).append(_sql_file(parts[0], kind, path, rel))
    for (module, kind), entries in files.items():
        if kind == "schema":
            entries.sort(key=lambda f: f.version)
            for earlier, later in zip(entries, entries[1:]):
                if earlier.version == later.version:
                    raise DbctlError(
                        f"{later.rel}: version {later.version:04d} is also used by {earlier.rel}; "
                        "rename one of them (dbctl new picks the next free number)"
                    )
        else:
            entries.sort(key=lambda f: f.rel)
    return files


def _sql_file(module: str, kind: str, path: Path, rel: str) -> SqlFile:
    if kind == "schema":
        match = VERSIONED_NAME.match(path.name)
        if not match:
            raise DbctlError(
                f"{rel}: versioned files are named NNNN_what.sql (four digits, lower-case words)"
            )
        return SqlFile(module, kind, path, rel, int(match["version"]))
    pattern, shape = (TEST_NAME, "NN_area.sql or helpers.sql") if kind == "tests" else (PLAIN_NAME, "what.sql")
    if not pattern.match(path.name):
        raise DbctlError(f"{rel}: files in {kind}/ are named {shape} (lower-case words)")
    return SqlFile(module, kind, path, rel)
