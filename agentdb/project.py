"""A project: the manifest, the resolved template variables and the rendered SQL files."""

from pathlib import Path

from agentdb import manifest as manifest_mod
from agentdb.manifest import Module, SqlFile
from agentdb.sqlfiles import RenderedFile, make_environment, render


class Project:
    def __init__(self, root: Path, overrides: dict[str, str] | None = None):
        self.root = root
        self.manifest = manifest_mod.load(root)
        self.variables = self.manifest.resolve_variables(overrides or {})
        self.settings = dict(self.manifest.settings)
        self._env = make_environment(self.manifest)

    def modules(self, names=()) -> list[Module]:
        return self.manifest.select(names)

    def render(self, source: SqlFile) -> RenderedFile:
        return render(self._env, source, self.variables)

    def migration_files(self, modules: list[Module]) -> list[RenderedFile]:
        """Every migration file of the modules, rendered up front (a template error stops all)."""
        return [self.render(f) for m in modules for f in self.manifest.migration_files(m)]

    def kind_files(self, modules: list[Module], kind: str) -> list[RenderedFile]:
        return [self.render(f) for m in modules for f in self.manifest.kind_files(m, kind)]
