"""The bundled Recommended catalog: valid, and covering the families people ask for."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from models.files import quant_label, split_name
from models.fit import CatalogError, find_entry, load_catalog, validate_catalog


def bundled() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resources.files("resources").joinpath("catalog.json").read_text("utf-8"))
    return data


def test_the_bundled_catalog_is_valid() -> None:
    assert validate_catalog(bundled()) == []
    entries = load_catalog()
    assert len({e.id for e in entries}) == len(entries) >= 20


def test_it_covers_the_families_people_ask_for() -> None:
    entries = load_catalog()
    names = " ".join(e.name for e in entries)
    for wanted in (
        "Llama 3.1",
        "Llama 3.2",
        "Mistral 7B",
        "Mixtral 8x7B",
        "Qwen2.5",
        "Qwen3",
        "DeepSeek-R1 Distill",
        "Gemma 2",
        "Gemma 3",
        "gpt-oss",
    ):
        assert wanted in names, wanted
    small = [e for e in entries if e.small]
    assert len(small) >= 6 and all(e.parameters < 5e9 for e in small)


def test_files_are_gguf_names_the_hub_uses() -> None:
    for entry in load_catalog():
        for label, path in entry.files.items():
            assert quant_label(path) == label
            split = split_name(path)
            assert split is None or split.index == 1, f"{entry.id}: name the first part of a split model"
        assert entry.approximate_size() > entry.parameters / 4


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda m: m.pop("licence"), "'licence' must be str"),
        (lambda m: m.update(repo="no-owner"), "'repo' must be owner/name"),
        (lambda m: m.update(default_quant="Q2_K"), "'default_quant' is not one of 'files'"),
        (lambda m: m["files"].update(Q8_0="model-Q4_K_M.gguf"), "does not carry the label Q8_0"),
        (lambda m: m.update(parameters=True), "'parameters' must be int"),
        (lambda m: m.update(description="two\nlines of text"), "one line of 10 to 120 characters"),
        (lambda m: m.update(colour="blue"), "unknown keys ['colour']"),
    ],
)
def test_validation_names_each_problem(change: Any, problem: str) -> None:
    data = copy.deepcopy(bundled())
    change(data["models"][0])
    problems = validate_catalog(data)
    assert any(problem in p for p in problems), problems


def test_duplicates_and_lookups() -> None:
    data = copy.deepcopy(bundled())
    data["models"].append(copy.deepcopy(data["models"][0]))
    assert any("duplicate id" in p for p in validate_catalog(data))
    assert find_entry("GPT-OSS-20B").default_file == "gpt-oss-20b-MXFP4.gguf"  # Hub paths are case-sensitive
    with pytest.raises(CatalogError, match="no model 'nope'"):
        find_entry("nope")
