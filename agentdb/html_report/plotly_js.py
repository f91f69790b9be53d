"""plotly.js, read at report time from the installed plotly package (PyPI `plotly`, MIT), which ships
the minified bundle as package data: the page inlines it and never loads anything from the network.
Only the file is read; the Python package is not imported."""

import importlib.util
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from agentdb.errors import DbctlError

BUNDLE = Path("package_data") / "plotly.min.js"


def bundle() -> tuple[str, str]:
    """(the plotly.min.js text, its package version); a clear error when plotly is not installed."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise DbctlError("dbctl report draws its charts with plotly.js from the Python package plotly, which is "
                         "not installed: pip install 'agentdb[report]' (make setup installs it)")
    path = Path(next(iter(spec.submodule_search_locations))) / BUNDLE
    if not path.is_file():
        raise DbctlError(f"the plotly package has no {BUNDLE} ({path}): reinstall it (pip install --force-reinstall plotly)")
    try:
        release = version("plotly")
    except PackageNotFoundError:
        release = "unknown"
    # A literal "</script" inside would end the inline script early.
    return path.read_text(encoding="utf-8").replace("</script", "<\\/script"), release
