"""Embedding threads chosen by measured speed, and left to a chat while it answers."""

from __future__ import annotations

from pathlib import Path

from desktop.documents.embedder import Embedder
from desktop.documents.threads import CHAT_BUSY_THREADS, RETRY_EVERY_CHARACTERS, ThreadChooser, thread_choices

RETRY_EVERY = RETRY_EVERY_CHARACTERS // 1000  # batches of 1,000 characters (run_batch)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_batch(chooser: ThreadChooser, clock: Clock, seconds_for: dict[int, float]) -> int:
    threads = chooser.start()
    clock.now += seconds_for[threads]
    chooser.finish(1000)
    return threads


def test_the_choices_are_all_cores_half_and_one() -> None:
    assert thread_choices(8) == (8, 4, 1)
    assert thread_choices(2) == (2, 1)
    assert thread_choices(1) == (1,)


def test_the_fastest_count_is_used_and_the_others_are_measured_again_now_and_then() -> None:
    clock = Clock()
    chooser = ThreadChooser((2, 1), clock=clock)
    busy_machine = {2: 4.0, 1: 1.0}  # two threads stall each other when other programs hold the cores
    assert [run_batch(chooser, clock, busy_machine) for _ in range(3)] == [2, 1, 1]
    later = [run_batch(chooser, clock, busy_machine) for _ in range(RETRY_EVERY + 2)]
    assert later.count(2) == 1  # tried again once, still slower
    idle_machine = {2: 0.5, 1: 1.0}  # the other programs finished
    after = [run_batch(chooser, clock, idle_machine) for _ in range(2 * RETRY_EVERY + 4)]
    assert after[-RETRY_EVERY:].count(2) >= RETRY_EVERY - 1  # all cores again, one thread tried now and then


def test_fewer_threads_must_be_clearly_faster_to_be_chosen() -> None:
    clock = Clock()
    chooser = ThreadChooser((2, 1), clock=clock)
    noisy_idle_machine = {2: 1.1, 1: 1.0}  # one thread 10% faster on a short, noisy measurement
    assert [run_batch(chooser, clock, noisy_idle_machine) for _ in range(4)] == [2, 1, 2, 2]
    chooser = ThreadChooser((2, 1), clock=clock)
    busy_machine = {2: 2.0, 1: 1.0}  # twice as fast: taken
    assert [run_batch(chooser, clock, busy_machine) for _ in range(4)] == [2, 1, 1, 1]


def test_a_count_being_tried_is_marked_so_its_batch_stays_short() -> None:
    clock = Clock()
    chooser = ThreadChooser((2, 1), clock=clock)
    idle_machine = {2: 0.5, 1: 1.0}
    tried = []
    for _ in range(RETRY_EVERY + 4):
        threads = chooser.start()
        tried.append((threads, chooser.exploring))
        clock.now += idle_machine[threads]
        chooser.finish(1000)
    assert tried[:3] == [(2, False), (1, True), (2, False)]  # all cores first, one thread tried, all cores
    assert tried.count((1, True)) == 2 and (1, False) not in tried  # tried once more later, never settled on


def test_a_batch_trying_a_slower_count_embeds_two_passages(minilm_model: Path) -> None:
    embedder = Embedder(minilm_model, threads=None)
    embedded: list[int] = []
    embed = embedder._model.embed

    def counted(texts: list[str], keep_going: object) -> list[list[float]]:
        embedded.append(len(texts))
        return embed(texts, keep_going)  # type: ignore[arg-type]

    embedder._model.embed = counted  # type: ignore[method-assign]
    try:
        assert len(embedder.embed_documents(["A kitten naps on the couch."] * 20)) == 20
    finally:
        embedder.close()
    if len(embedder.threads.choices) > 1:
        assert embedded[:3] == [8, 2, 8]  # all cores, one thread tried on 2 passages, the fastest again


def test_while_a_chat_answers_one_thread_embeds_and_is_not_measured() -> None:
    clock = Clock()
    answering = [True]
    chooser = ThreadChooser((2, 1), chat_busy=lambda: answering[0], clock=clock)
    assert run_batch(chooser, clock, {1: 9.0, 2: 9.0}) == CHAT_BUSY_THREADS
    assert chooser.rates == {}
    answering[0] = False
    assert run_batch(chooser, clock, {1: 1.0, 2: 0.5}) == 2


def test_the_embedder_follows_the_chat(minilm_model: Path) -> None:
    """While a chat answers, indexing waits (asking whether to stop, which serves searches) and a
    question is embedded on one thread; afterwards indexing takes the cores again."""
    answering = [True]
    asked: list[int] = []

    def stop_on_the_third_question() -> bool:
        asked.append(1)
        return len(asked) >= 3

    embedder = Embedder(minilm_model, chat_busy=lambda: answering[0])
    try:
        assert len(embedder.embed_documents(["A kitten naps on the couch."] * 8, stop_on_the_third_question)) == 0
        assert len(asked) == 3
        embedder.embed_query("Where does the cat sleep?")
        assert embedder._model.threads == CHAT_BUSY_THREADS
        answering[0] = False
        assert len(embedder.embed_documents(["A kitten naps on the couch."] * 8)) == 8
        assert embedder._model.threads == max(embedder.threads.choices)  # measured first: all cores
    finally:
        embedder.close()


def test_an_answer_that_starts_mid_batch_gets_the_cores_after_the_passage_being_embedded(minilm_model: Path) -> None:
    """Indexing asks between two passages, not only between batches: a batch already running when
    an answer starts would otherwise slow its first tokens (15% of a 96-token answer, measured)."""
    answering = [False]
    embedder = Embedder(minilm_model, threads=2, chat_busy=lambda: answering[0])
    model = embedder._model
    embed_one, embedded = model._embed_one, []

    def embed_then_the_answer_starts(tokens: list[int]) -> list[float]:
        vector = embed_one(tokens)
        embedded.append(1)
        answering[0] = len(embedded) >= 2  # the answer starts while the second passage is embedded
        return vector

    model._embed_one = embed_then_the_answer_starts  # type: ignore[method-assign]
    try:
        done = embedder.embed_documents(["A kitten naps on the couch."] * 8, should_stop=lambda: answering[0])
        assert len(done) == len(embedded) == 2  # not the batch's 8
    finally:
        embedder.close()


def test_a_question_gets_the_fastest_measured_count_else_one_thread() -> None:
    clock = Clock()
    chooser = ThreadChooser((2, 1), clock=clock)
    assert chooser.start(measured=False) == 1  # nothing measured yet: spinning threads could make it seconds
    for _ in range(2):
        run_batch(chooser, clock, {2: 0.5, 1: 1.0})
    assert chooser.start(measured=False) == 2
