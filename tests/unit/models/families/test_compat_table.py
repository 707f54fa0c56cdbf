"""The README's compatibility table is generated, never hand-edited, and never stale."""

from __future__ import annotations

import subprocess
import sys

from tests.compat_table import COLUMNS, README, ROOT, readme_table, table
from tests.fixtures.families import FAMILY_MODELS


def test_readme_table_matches_the_tests() -> None:
    result = subprocess.run([sys.executable, "-m", "tests.compat_table", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr


def test_a_cell_is_ticked_only_for_an_exercised_check() -> None:
    first = FAMILY_MODELS[0]
    rows = table({(first.key, "loads")}).splitlines()
    assert len(rows) == 2 + len(FAMILY_MODELS)
    assert len(rows[0].split(" | ")) == 3 + len(COLUMNS)
    assert rows[2].count("✓") == 1 and "—" in rows[2]
    assert all("✓" not in row for row in rows[3:])


def test_the_readme_has_the_table_between_markers() -> None:
    assert readme_table(README.read_text(encoding="utf-8")).startswith("| Model | Family |")
