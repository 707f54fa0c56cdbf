from models.fit import load_catalog, recommend

GIB = 1 << 30


def test_bigger_machines_get_bigger_models() -> None:
    catalog = load_catalog()
    choices = [recommend(catalog, ram * GIB, vram_free={}) for ram in (2, 4, 8, 16, 32)]
    sizes = [c.entry.parameters for c in choices if c is not None]
    assert sizes == sorted(sizes)
    assert choices[-1] is not None and choices[-1].entry.id == "qwen3-8b"
    assert choices[0] is not None and choices[0].entry.parameters <= 1e9


def test_a_tiny_machine_gets_no_suggestion() -> None:
    assert recommend(load_catalog(), GIB // 4, vram_free={}) is None


def test_the_suggestion_says_whether_it_fits_now() -> None:
    choice = recommend(load_catalog(), 16 * GIB, vram_free={})
    assert choice is not None and choice.fit.verdict in ("fits", "tight", "won't fit")
    assert choice.size > 1e9
