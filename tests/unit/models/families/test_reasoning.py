from models.families import split_reasoning, strip_reasoning


def test_plain_answer_has_no_thinking() -> None:
    assert split_reasoning("Paris.") == split_reasoning("Paris.").__class__("", "Paris.", True)


def test_thinking_then_answer() -> None:
    split = split_reasoning("<think>\nThe user asks about France.\n</think>\n\nParis.")
    assert (split.thinking, split.answer, split.thinking_done) == ("The user asks about France.", "Paris.", True)


def test_streaming_inside_the_thinking() -> None:
    split = split_reasoning("<think>Let me consider")
    assert (split.thinking, split.answer, split.thinking_done) == ("Let me consider", "", False)


def test_template_opened_the_think_tag_in_the_prompt() -> None:
    assert split_reasoning("weighing options</think>Paris.").thinking == "weighing options"


def test_history_keeps_only_the_answer() -> None:
    assert strip_reasoning("<think>hmm</think>Paris.") == "Paris."
    assert strip_reasoning("Paris, not <think> tags in prose") == "Paris, not <think> tags in prose"
