"""`hearth prompts`, `assistants`, `adapters` and `hearth chat --assistant/--lora`, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import hearth
from tests.fixtures.tiny_gguf import TinyModelSpec, write_tiny_adapter, write_tiny_model


def test_prompts_add_list_show_run_and_rm(tmp_path: Path) -> None:
    text = "Summarise {{selection}} in {{count|3}} points for {{audience}}, as of {{date}}."
    assert hearth("prompts", "add", "Summary", "--text", text, "-d", "Bullets").returncode == 0
    listed = hearth("prompts", "list", "--json")
    row = json.loads(listed.stdout)[0]
    assert row["variables"] == [{"name": "count", "default": "3"}, {"name": "audience", "default": None}]
    assert row["builtins"] == ["date", "selection"]
    assert hearth("prompts", "show", "summ").stdout == text + "\n"
    run = hearth("prompts", "run", "summary", "--var", "audience=kids", "--dry-run", input="the text\n")
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Summarise the text in 3 points for kids, as of 20")
    assert hearth("prompts", "rm", "Summary").returncode == 0
    assert json.loads(hearth("prompts", "list", "--json").stdout) == []


def test_a_missing_variable_is_one_line_and_nothing_is_sent(tmp_path: Path) -> None:
    hearth("prompts", "add", "Note", "--text", "About {{topic}} from {{file:nowhere.txt}}")
    run = hearth("prompts", "run", "Note", "--dry-run")
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.startswith("hearth: Give a value for {{topic}}. {{file:nowhere.txt}}: there is no file at ")
    assert len(run.stderr.strip().splitlines()) == 1
    bad = hearth("prompts", "add", "Bad", "--text", "{{env:HOME}}")
    assert bad.returncode == 1 and "is not a built-in" in bad.stderr


def test_prompts_run_answers_with_the_filled_text(tiny_model: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("buy milk")
    hearth("prompts", "add", "Todo", "--text", f"Sort: {{{{file:{tmp_path / 'notes.txt'}}}}}")
    run = hearth("prompts", "run", "todo", "-m", str(tiny_model), "--dry-run", "--show-tokens")
    assert run.returncode == 0, run.stderr
    assert "Sort: buy milk" in run.stdout and "im_start" in run.stdout


def test_prompts_export_and_import_markdown(tmp_path: Path) -> None:
    hearth("prompts", "add", "Review", "--text", "Review {{selection}}", "-d", "Bugs first")
    assert hearth("prompts", "export", "--to", str(tmp_path / "out")).returncode == 0
    exported = tmp_path / "out" / "Review.md"
    assert exported.read_text().startswith("---\nname: Review\ndescription: Bugs first\n")
    (tmp_path / "binary.md").write_bytes(b"\x00\x01")
    imported = hearth("prompts", "import", str(exported), str(tmp_path / "binary.md"))
    assert imported.returncode == 1  # one file could not be read; the other was added
    assert "Added the prompt 'Review (2)'" in imported.stdout and "binary.md: binary.md is not a text file" in \
        imported.stderr


def test_assistants_and_chat_with_one(tiny_model: Path) -> None:
    added = hearth("assistants", "add", "Coder", "--system", "You write Python.", "--model", str(tiny_model),
                   "--temperature", "0.3", "--starter", "Explain {{selection}}")
    assert added.returncode == 0, added.stderr
    row = json.loads(hearth("assistants", "list", "--json").stdout)[0]
    assert (row["name"], row["icon"], row["settings"], row["starters"]) == (
        "Coder", "C", {"temperature": 0.3}, ["Explain {{selection}}"])
    dry = hearth("chat", "--assistant", "coder", "--dry-run", "hello")
    assert dry.returncode == 0, dry.stderr
    assert "<|im_start|>system\nYou write Python.<|im_end|>" in dry.stdout  # its system prompt, on its model
    override = hearth("chat", "--assistant", "coder", "-s", "Be brief.", "--dry-run", "hello")
    assert "Be brief." in override.stdout and "Python" not in override.stdout
    assert hearth("assistants", "rm", "Coder").returncode == 0
    missing = hearth("chat", "--assistant", "coder", "hi")
    assert missing.returncode == 1 and "There is no assistant called 'coder'" in missing.stderr


def test_chat_with_lora_adapters(tiny_model: Path, tmp_path: Path) -> None:
    adapter = write_tiny_adapter(tmp_path / "style.gguf")
    greedy = ("chat", "-m", str(tiny_model), "--temperature", "0", "--max-tokens", "10", "hi")
    base = hearth(*greedy)
    zero = hearth(*greedy, "--lora", f"{adapter}:0")
    one = hearth(*greedy, "--lora", str(adapter))
    assert base.returncode == zero.returncode == one.returncode == 0, one.stderr
    assert zero.stdout == base.stdout and one.stdout != base.stdout
    assert "With adapters: style.gguf × 1" in one.stderr
    wide = write_tiny_adapter(tmp_path / "wide.gguf", base=TinyModelSpec(n_embd=128, n_ff=256))
    refused = hearth(*greedy, "--lora", f"{wide}:1.5")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.strip().endswith("hearth: The adapter wide.gguf does not fit Tiny Llama: "
                                           "'blk.0.attn_q.weight' is 64×64 in the model but 128×128 in the adapter "
                                           "(it was made for a model of other dimensions).")
    assert "must be from 0 to 2" in hearth(*greedy, "--lora", f"{adapter}:3").stderr


def test_adapters_add_list_and_rm(tmp_path: Path, hearth_home: Path) -> None:
    (hearth_home / "models").mkdir(parents=True)
    model = write_tiny_model(hearth_home / "models" / "tiny.gguf")
    adapter = write_tiny_adapter(tmp_path / "style.gguf")
    added = hearth("adapters", "add", str(adapter), "--base", str(model))
    assert added.returncode == 0, added.stderr
    listed = json.loads(hearth("adapters", "list", "--json").stdout)
    assert [(a["name"], a["base_model"], a["rank"]) for a in listed] == [("style", "tiny", 4)]
    by_name = hearth("chat", "-m", str(model), "--lora", "style:0.5", "--dry-run", "hi")
    assert by_name.returncode == 0 and "With adapters: style.gguf × 0.5" in by_name.stderr
    assert hearth("adapters", "rm", "style").returncode == 0
    wide = write_tiny_adapter(tmp_path / "wide.gguf", base=TinyModelSpec(n_embd=128, n_ff=256))
    refused = hearth("adapters", "add", str(wide))
    assert refused.returncode == 1 and "fits none of the installed models" in refused.stderr
