import json
import stat
from pathlib import Path

from desktop.settings import AppSettings, SettingsFile


def test_defaults_when_missing(tmp_path: Path) -> None:
    assert SettingsFile(tmp_path / "settings.json").load() == AppSettings()


def test_round_trip_private_and_keeps_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "config" / "settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"theme": "dark", "from_the_future": 1}))
    store = SettingsFile(path)
    settings = store.load().with_changes(font_size=14)
    store.save(settings)
    assert SettingsFile(path).load() == AppSettings(theme="dark", font_size=14)
    assert json.loads(path.read_text())["from_the_future"] == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_corrupt_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("{not json")
    assert SettingsFile(path).load() == AppSettings()
    assert (tmp_path / "settings.broken").read_text() == "{not json"


def test_wrong_types_fall_back_per_key(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"theme": "purple", "font_size": "huge", "sidebar_width": 300}))
    assert SettingsFile(path).load() == AppSettings(sidebar_width=300)


def test_extra_cpu_kernels_choice_reaches_the_engine_and_survives_bad_values(tmp_path: Path) -> None:
    from desktop.settings import engine_settings

    assert engine_settings(AppSettings()).extra_buffers is None
    assert engine_settings(AppSettings(extra_cpu_kernels="always")).extra_buffers is True
    assert engine_settings(AppSettings(extra_cpu_kernels="never")).extra_buffers is False
    path = tmp_path / "settings.json"
    SettingsFile(path).save(AppSettings(extra_cpu_kernels="never"))
    assert SettingsFile(path).load().extra_cpu_kernels == "never"
    path.write_text(json.dumps({"extra_cpu_kernels": "sometimes"}))
    assert SettingsFile(path).load().extra_cpu_kernels == "auto"
