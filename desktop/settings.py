"""App preferences that are not per conversation: theme, font size, the last model used.

Stored as JSON in the config folder, written atomically (temp file + rename) with mode 0600.
Unknown keys from newer versions are kept; a corrupt file is set aside, not fatal.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, Literal

from models.engine import EngineSettings
from models.private import write_private

log = logging.getLogger(__name__)

Theme = Literal["system", "light", "dark"]
GpuOffload = Literal["auto", "all", "none", "layers"]
# llama.cpp's extra CPU kernels (extra buffer types: repacked weights, AMX); see models.engine.cpu_kernels.
ExtraKernels = Literal["auto", "always", "never"]
_EXTRA_BUFFERS: dict[str, bool | None] = {"auto": None, "always": True, "never": False}


@dataclass(frozen=True)
class AppSettings:
    theme: Theme = "system"
    font_size: int = 11  # points; the transcript and the message box
    last_model: str | None = None  # path of the model used last
    default_model: str | None = None  # path of the model to load at start; None: the last one used
    context_length: int = 8192  # cap on the context a model is loaded with
    threads: int = 0  # 0: one per physical core
    gpu_offload: GpuOffload = "auto"  # auto: every layer when the build can offload
    gpu_layers: int = 0  # used when gpu_offload is "layers"
    extra_cpu_kernels: ExtraKernels = "auto"  # auto: off only where they are known to crash
    offline: bool = False  # no network access at all: Hub search and downloads are refused
    sidebar_width: int = 260
    first_run_done: bool = False
    lock_after_minutes: int = 0  # lock the encrypted chats after this long without input; 0: never
    # The local OpenAI-compatible server (desktop/server): off, and this machine only, by default.
    server_enabled: bool = False
    server_port: int = 8080
    server_network: bool = False  # True: devices on the local network may connect, with the API key
    server_allow_switch: bool = False  # a request may name another installed model, which is then loaded
    server_origins: str = ""  # web page origins allowed to call it, separated by spaces
    last_conversation: int | None = None  # reopened at the next start
    window_geometry: str | None = None  # Qt's saveGeometry(), base64: size, position, maximized

    def with_changes(self, **changes: Any) -> AppSettings:
        return replace(self, **changes)


def engine_settings(settings: AppSettings, **overrides: Any) -> EngineSettings:
    """How the engine loads models, from the user's preferences."""
    gpu_layers = {"auto": None, "all": -1, "none": 0, "layers": settings.gpu_layers}[settings.gpu_offload]
    base = EngineSettings(max_context=settings.context_length, threads=settings.threads or None, gpu_layers=gpu_layers,
                          extra_buffers=_EXTRA_BUFFERS[settings.extra_cpu_kernels])
    return replace(base, **overrides)


_OFFLINE_VARIABLE = "HF_HUB_OFFLINE"
# Hearth's own value: huggingface_hub reads "ON" as true like "1", and turning offline mode off
# removes only this value, so an HF_HUB_OFFLINE=1 from the user's environment stays in force.
_HEARTH_OFFLINE = "ON"


def apply_network_policy(settings: AppSettings) -> None:
    """Offline mode: huggingface_hub and Hearth's Hub client refuse every request while it is on."""
    current = os.environ.get(_OFFLINE_VARIABLE)
    if settings.offline and not current:
        os.environ[_OFFLINE_VARIABLE] = _HEARTH_OFFLINE
    elif not settings.offline and current == _HEARTH_OFFLINE:
        del os.environ[_OFFLINE_VARIABLE]


class SettingsFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._extra: dict[str, Any] = {}

    def load(self) -> AppSettings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict):
                raise ValueError("not an object")
        except FileNotFoundError:
            return AppSettings()
        except (OSError, ValueError) as exc:
            aside = self.path.with_suffix(".broken")
            log.warning("Settings file %s is unreadable (%s); starting with defaults, old file kept as %s",
                        self.path, exc, aside.name)
            try:
                self.path.replace(aside)
            except OSError as move_error:  # a read-only folder: the defaults serve all the same
                log.warning("Could not set %s aside: %s", self.path, move_error)
            return AppSettings()
        known = {f.name for f in fields(AppSettings)}
        self._extra = {k: v for k, v in raw.items() if k not in known}
        defaults = AppSettings()
        values = {}
        for f in fields(AppSettings):
            value = raw.get(f.name, getattr(defaults, f.name))
            default = getattr(defaults, f.name)
            # A hand-edited file with a wrong type falls back to the default for that key only.
            if default is not None and value is not None and not isinstance(value, type(default)):
                value = default
            values[f.name] = value
        if values["theme"] not in ("system", "light", "dark"):
            values["theme"] = "system"
        if values["gpu_offload"] not in ("auto", "all", "none", "layers"):
            values["gpu_offload"] = "auto"
        if values["extra_cpu_kernels"] not in _EXTRA_BUFFERS:
            values["extra_cpu_kernels"] = "auto"
        return AppSettings(**values)

    def save(self, settings: AppSettings) -> None:
        """Write the settings (0600, atomically). Raises OSError when the folder is read-only or the
        disk is full; the file then stays as it was and no temporary file is left behind."""
        data = {**self._extra, **asdict(settings)}
        write_private(self.path, json.dumps(data, indent=2))
