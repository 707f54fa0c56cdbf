"""The library writes and deletes only inside the models folder, whatever a manifest says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.errors import LibraryError
from models.library import Library


def test_a_manifest_pointing_outside_never_gets_that_file_deleted(tmp_path: Path) -> None:
    outside = tmp_path / "precious.gguf"
    outside.write_bytes(b"the user's own file")
    library = Library(tmp_path / "models")
    library.manifest_dir.mkdir(parents=True)
    # What an unchecked Hub commit id (`../../..`) used to produce: a "hub" model outside the folder.
    (library.manifest_dir / "evil.json").write_text(json.dumps({
        "version": 1, "name": "evil", "origin": "hub", "repo": "acme/x", "revision": "../../..",
        "files": [{"path": str(outside), "size": outside.stat().st_size, "sha256": None, "repo_path": "x.gguf"}],
    }))
    removed = library.delete("evil")
    assert outside.read_bytes() == b"the user's own file"
    assert removed.deleted == () and removed.kept == (outside,)


def test_contained_refuses_paths_that_resolve_outside(tmp_path: Path) -> None:
    library = Library(tmp_path / "models")
    (tmp_path / "models").mkdir()
    assert library.contained(library.root / "acme" / "x" / "m.gguf") == library.root / "acme" / "x" / "m.gguf"
    for escape in (library.root / ".." / "m.gguf", tmp_path / "m.gguf", library.root):
        with pytest.raises(LibraryError, match="outside the models folder"):
            library.contained(escape)
