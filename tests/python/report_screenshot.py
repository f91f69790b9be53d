"""The README's screenshot (make docs-screenshot): `dbctl report --module background --days 7` on a
fresh database with background migrated, seeded and maintained once, opened in headless Chromium
(browser.py) and saved as PNG. The database is dropped afterwards."""

import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from agentdb.connection import resolve_dsn, with_database  # noqa: E402
from agentdb.testrun import create_database, drop_database  # noqa: E402
from browser import Browser  # noqa: E402


def dbctl(*args):
    subprocess.run([sys.executable, str(ROOT / "dbctl.py"), *args], check=True, stdout=subprocess.DEVNULL)


def main(target: Path):
    admin = resolve_dsn(None, ROOT)
    name = create_database(admin, "agentdb_screenshot")
    dsn = with_database(admin, name)
    try:
        dbctl("migrate", "--module", "background", "--dsn", dsn)
        dbctl("seed", "--module", "background", "--dsn", dsn)
        dbctl("maintain", "--dsn", dsn)
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder, "report.html")
            dbctl("report", "--module", "background", "--days", "7", "--out", str(page), "--dsn", dsn)
            with Browser(width=1280, height=900) as browser:
                browser.open(page)
                browser.wait_for("document.body.getAttribute('data-charts-drawn')")
                if browser.errors():
                    raise SystemExit(f"the page logged errors: {browser.errors()}")
                browser.screenshot(target, width=1280, scale=0.75)
    finally:
        drop_database(admin, name)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "docs" / "report-background.png"))
