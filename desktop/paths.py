"""Where Hearth keeps its data: platformdirs' per-user folders, or everything under $HEARTH_HOME."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from desktop.data_location import read_pointer
from models.private import private_folder

APP_NAME = "Hearth"


@dataclass(frozen=True)
class AppPaths:
    data: Path
    config: Path
    cache: Path
    logs: Path

    @property
    def models(self) -> Path:
        return self.data / "models"

    @property
    def starter_embedding(self) -> Path:
        """Where the starter embedding model is made at first use: derived data, made again if lost."""
        return self.cache / "embedding"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"

    @property
    def fit_corrections(self) -> Path:
        """What models really took when loaded, to correct later memory estimates."""
        return self.data / "fit_corrections.json"

    @property
    def catalog_checks(self) -> Path:
        """Which catalog file names the Hub's listings confirmed (models.fit.catalog_check)."""
        return self.data / "catalog_checks.json"

    @property
    def step_markers(self) -> Path:
        """What each running Hearth process is loading or answering with, to find crashes."""
        return self.data / "engine_steps"

    @property
    def last_crash_file(self) -> Path:
        return self.data / "last_crash.json"

    @property
    def safe_mode_file(self) -> Path:
        """Models that load in safe mode after a crash."""
        return self.data / "safe_mode.json"

    @property
    def movable(self) -> bool:
        """HEARTH_HOME pins everything to one folder; only the platform's folders can move."""
        return not os.environ.get("HEARTH_HOME")

    @classmethod
    def default(cls) -> AppPaths:
        home = os.environ.get("HEARTH_HOME")
        if home:
            root = Path(home).expanduser()
            return cls(root, root / "config", root / "cache", root / "logs")
        config = Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
        # A data folder the user moved elsewhere (desktop/data_location.py) is recorded in the config.
        moved = read_pointer(config).get("data")
        return cls(
            Path(moved) if moved else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config,
            Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    def create(self) -> AppPaths:
        """Make the folders, private to the user: chats and documents live here."""
        for folder in (self.data, self.config, self.cache, self.logs, self.models):
            private_folder(folder)
        return self
