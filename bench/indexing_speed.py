"""Indexing speed against llama.cpp's own, and what indexing costs an answer being generated.

Run through `python -m bench.documents_speed` (the `indexing` and `chat` parts); prints JSON.

- indexing: passages of the held-out reference corpus (tests/fixtures/reference_corpus.py, about
  800 characters each), indexed by Hearth from the files (parsing, chunking, embedding with the
  starter embedding model, writing SQLite) against the best raw llama.cpp throughput on exactly
  the texts Hearth embeds: every thread count Hearth may choose, through llama-cpp-python's
  `Llama.embed` (one passage per decode, and packed 512-token batches) and through the C API
  loop of models.engine.EmbeddingModel alone (one passage per decode, no files, no SQLite), the
  best of them. Rounds alternate; the ratio is per round.
- chat: the starter chat model answers (greedy, 96 tokens) alone, while the documents worker
  indexes as the app runs it (told by the engine when an answer is being generated), and while
  it indexes without being told (all its threads busy). Triples alternate their order; the
  slowdown is per triple, and the passages indexed during the answer are counted.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import llama_cpp

from desktop.documents.embedder import Embedder, document_text
from desktop.documents.indexing import index_paths
from desktop.documents.store import DocumentIndex
from desktop.documents.threads import thread_choices
from desktop.documents.types import IndexProgress
from desktop.documents.worker import DocumentWorker
from models.engine import EmbeddingModel, Engine, EngineWorker, GenerationStats, SamplingParams
from models.engine.cpu_kernels import model_params
from models.engine.hardware import physical_cores
from models.files import validate_model
from tests.fixtures import reference_corpus

CHAT_TOKENS = 96
CHAT_MESSAGES = [{"role": "user", "content": "Write a long story about a lighthouse keeper and a storm."}]


def corpus_subset(folder: Path, passages: int) -> Path:
    """The reference corpus's first pages, enough for about `passages` passages (~1 per 800 characters)."""
    files = reference_corpus.write_corpus(folder / "all")
    chosen = folder / "subset"
    chosen.mkdir(exist_ok=True)
    characters = 0
    for path in files.values():
        if characters >= passages * 800:
            break
        (chosen / path.name).write_bytes(path.read_bytes())
        characters += len(path.read_text(encoding="utf-8"))
    return chosen


def _hearth(corpus: Path, database: Path, model: Path) -> tuple[float, list[str]]:
    """Passages per second of Hearth indexing the corpus from scratch, and the texts it embedded."""
    database.unlink(missing_ok=True)
    embedder = Embedder(model)
    try:
        with DocumentIndex(database) as index:
            started = time.perf_counter()
            report = index_paths(index, "bench", [corpus], embedder=embedder)
            seconds = time.perf_counter() - started
            texts = [document_text(t, h, x) for t, h, x in index.conn.execute(
                "SELECT f.title, c.heading, c.text FROM chunks c JOIN files f ON f.id = c.file_id ORDER BY c.id")]
    finally:
        embedder.close()
    return report.chunks / seconds, texts


def _raw(model: Path, texts: list[str], threads: int, packed: bool) -> float:
    with model_params():
        llm = llama_cpp.Llama(str(model), embedding=True, n_ctx=512, n_batch=512, n_ubatch=512, n_threads=threads,
                              n_threads_batch=threads, flash_attn=True, verbose=False)
    try:
        llm.embed(texts[:2])
        started = time.perf_counter()
        if packed:
            llm.embed(texts)
        else:
            for text in texts:
                llm.embed([text])
        return len(texts) / (time.perf_counter() - started)
    finally:
        llm.close()


def _raw_c_api(model: Path, texts: list[str], threads: int) -> float:
    embedding = EmbeddingModel(validate_model(model), threads=threads, gpu=False)
    try:
        embedding.embed(texts[:2])
        started = time.perf_counter()
        embedding.embed(texts)
        return len(texts) / (time.perf_counter() - started)
    finally:
        embedding.close()


def _on_a_thread_that_ends(work: Callable[[], float]) -> float:
    """As Hearth embeds on several cores (models/engine/embedding.py): OpenMP's threads go with the
    thread, and do not slow the chat measured next (more OpenMP threads than cores slow every decode)."""
    result: list[float] = []
    thread = threading.Thread(target=lambda: result.append(work()))
    thread.start()
    thread.join()
    return result[0]


def indexing_throughput(corpus: Path, folder: Path, model: Path, rounds: int) -> dict[str, Any]:
    hearth: list[float] = []
    best: list[float] = []
    configs: dict[str, list[float]] = {}
    for round_number in range(rounds):
        for which in (("hearth", "raw") if round_number % 2 == 0 else ("raw", "hearth")):
            if which == "hearth":
                rate, texts = _hearth(corpus, folder / "throughput.sqlite3", model)
                hearth.append(rate)
                continue
            if round_number == 0 and not hearth:
                texts = _hearth(corpus, folder / "throughput.sqlite3", model)[1]
            rates = {}
            for threads in thread_choices(physical_cores()):
                runs = {f"{threads} threads, {'packed 512' if packed else 'one per decode'}":
                        partial(_raw, model, texts, threads, packed) for packed in (False, True)}
                runs[f"{threads} threads, C API one per decode"] = partial(_raw_c_api, model, texts, threads)
                for name, run in runs.items():
                    rates[name] = _on_a_thread_that_ends(run)
                    configs.setdefault(name, []).append(round(rates[name], 1))
            best.append(max(rates.values()))
    ratios = [h / b for h, b in zip(hearth, best, strict=True)]
    return {
        "passages": len(texts), "mean_characters": round(statistics.mean(len(t) for t in texts)),
        "hearth_passages_per_s": round(statistics.median(hearth), 1),
        "raw_best_passages_per_s": round(statistics.median(best), 1),
        "raw_configs_passages_per_s": configs,
        "hearth_over_raw_best": round(statistics.median(ratios), 3), "ratios": [round(r, 3) for r in ratios],
    }


class _Indexing:
    """A documents worker indexing the corpus into a new collection, as the app runs one."""

    def __init__(self, folder: Path, model: Path, chat_busy: Any) -> None:
        self.worker = DocumentWorker(folder / f"chat-{id(self)}.sqlite3", folder / "no-models", model,
                                     chat_busy=chat_busy)
        self.progress: IndexProgress | None = None
        self.started = threading.Event()
        self.done = threading.Event()

    def _on_progress(self, progress: IndexProgress) -> None:
        self.progress = progress
        if progress.chunks_done:
            self.started.set()

    def run(self, corpus: Path, name: str) -> None:
        self.started.clear()
        self.done.clear()
        self.worker.add(name, [corpus], lambda _r: self.done.set(), lambda _m: self.done.set(), self._on_progress)
        if not self.started.wait(600):
            raise RuntimeError("indexing did not start")

    def stop(self) -> None:
        self.worker.cancel()
        self.done.wait(600)

    def chunks_done(self) -> int:
        return self.progress.chunks_done if self.progress else 0


def _answer(engine: EngineWorker) -> float:
    finished: list[GenerationStats | str] = []
    event = threading.Event()

    def done(value: GenerationStats | str) -> None:
        finished.append(value)
        event.set()

    engine.chat(CHAT_MESSAGES, SamplingParams(temperature=0.0, max_tokens=CHAT_TOKENS, seed=0), lambda _t: None,
                done, done)
    event.wait(600)
    result = finished[0]
    if isinstance(result, str):
        raise RuntimeError(result)
    return result.generation_tokens_per_s


def chat_slowdown(corpus: Path, folder: Path, model: Path, chat_model: Path, triples: int) -> dict[str, Any]:
    engine = EngineWorker(Engine())
    loaded = threading.Event()
    engine.load(chat_model, lambda _info: loaded.set(), lambda message, _info: print(message))
    loaded.wait(120)
    told = _Indexing(folder, model, lambda: engine.generating)
    untold = _Indexing(folder, model, None)
    results: dict[str, list[float]] = {"alone": [], "indexing": [], "indexing_untold": []}
    rates: dict[str, list[float]] = {"indexing": [], "indexing_untold": []}
    try:
        _answer(engine)  # warm
        for triple in range(triples):
            order = ["alone", "indexing", "indexing_untold"]
            order = order[triple % 3:] + order[:triple % 3]
            for which in order:
                if which == "alone":
                    results["alone"].append(_answer(engine))
                    continue
                indexing = told if which == "indexing" else untold
                indexing.run(corpus, f"{which}-{triple}")
                before, started = indexing.chunks_done(), time.perf_counter()
                results[which].append(_answer(engine))
                rates[which].append((indexing.chunks_done() - before) / (time.perf_counter() - started))
                indexing.stop()
    finally:
        told.worker.shutdown()
        untold.worker.shutdown()
        engine.shutdown()
    alone = results["alone"]
    return {
        "chat_tokens_per_s_alone": round(statistics.median(alone), 1),
        **{f"chat_tokens_per_s_while_{k}": round(statistics.median(v), 1) for k, v in results.items() if k != "alone"},
        **{f"slowdown_while_{k}": round(1 - statistics.median(b / a for a, b in zip(alone, v, strict=True)), 3)
           for k, v in results.items() if k != "alone"},
        **{f"passages_per_s_during_answer_{k}": round(statistics.median(v), 2) for k, v in rates.items()},
        "samples": {k: [round(x, 1) for x in v] for k, v in results.items()},
    }


def load_average() -> list[float]:
    return [round(x, 1) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []
