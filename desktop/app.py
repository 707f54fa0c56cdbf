"""Composition root: paths, settings and services, handed to the window."""

from __future__ import annotations

import logging
import sys

from desktop.paths import AppPaths
from models.engine import Engine
from models.errors import ModelNotFoundError
from models.locate import resolve_model
from models.types import EngineSettings
from models.worker import EngineWorker

log = logging.getLogger(__name__)


def run_gui(paths: AppPaths) -> int:
    from desktop.ui.platform_check import qt_platform_problem

    problem = qt_platform_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 1
    paths.create()
    try:
        model_path = resolve_model(None, paths.models)
    except ModelNotFoundError as exc:
        log.warning("%s", exc)
        model_path = None
    worker = EngineWorker(Engine(EngineSettings()))

    from desktop.ui.application import run_window

    return run_window(worker, model_path)
