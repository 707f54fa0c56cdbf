"""OpenMP's threads spin between decodes (models/engine/openmp.py): set before llama.cpp loads,
and a value the user chose wins."""

from __future__ import annotations

import os
import subprocess
import sys

SHOW = "import models.engine, os; print(os.environ['GOMP_SPINCOUNT'])"


def spin_count(**env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if k != "GOMP_SPINCOUNT"}
    result = subprocess.run([sys.executable, "-c", SHOW], env={**clean, **env}, capture_output=True, text=True,
                            check=True, timeout=120)
    return result.stdout.strip()


def test_the_engine_sets_the_spin_and_a_users_value_wins() -> None:
    assert spin_count() == "3000000"
    assert spin_count(GOMP_SPINCOUNT="1000") == "1000"
