"""The embedding model: a real all-MiniLM-L6-v2 converted to GGUF, run by llama.cpp."""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from desktop.documents.embedder import Embedder, find_embedding_model, prefixes_for
from desktop.documents.errors import EmbeddingModelError
from models.files.bert_gguf import read_safetensors
from models.fit import validate_catalog
from models.library import Library, chat_models, embedding_models, starter_checkpoint


def _reference_embedding(token_ids: list[int]) -> np.ndarray:
    """all-MiniLM-L6-v2's sentence embedding computed with numpy from the original float32
    weights: BERT encoder, mean pooling, L2 normalisation (what sentence-transformers does)."""
    folder = starter_checkpoint()
    assert folder is not None
    w = read_safetensors(folder / "model.safetensors")
    ids = np.array(token_ids)
    x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
         + w["embeddings.token_type_embeddings.weight"][0])

    def norm(v: np.ndarray, prefix: str) -> np.ndarray:
        mean, var = v.mean(-1, keepdims=True), v.var(-1, keepdims=True)
        return (v - mean) / np.sqrt(var + 1e-12) * w[f"{prefix}.weight"] + w[f"{prefix}.bias"]

    def dense(v: np.ndarray, prefix: str) -> np.ndarray:
        return v @ w[f"{prefix}.weight"].T + w[f"{prefix}.bias"]

    x = norm(x, "embeddings.LayerNorm")
    heads, size = 12, 32
    for layer in range(6):
        p = f"encoder.layer.{layer}"
        q, k, v = (dense(x, f"{p}.attention.self.{n}").reshape(len(ids), heads, size).transpose(1, 0, 2)
                   for n in ("query", "key", "value"))
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(size)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attended = (scores / scores.sum(-1, keepdims=True)) @ v
        x = norm(x + dense(attended.transpose(1, 0, 2).reshape(len(ids), -1), f"{p}.attention.output.dense"),
                 f"{p}.attention.output.LayerNorm")
        hidden = dense(x, f"{p}.intermediate.dense")
        hidden = 0.5 * hidden * (1 + np.tanh(0.7978845608 * (hidden + 0.044715 * hidden**3)))  # gelu
        x = norm(x + dense(hidden, f"{p}.output.dense"), f"{p}.output.LayerNorm")
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def test_llama_cpp_embeddings_match_the_original_model(embedder: Embedder) -> None:
    text = "The quick brown fox jumps over the lazy dog."
    tokens = embedder._model.tokenize(text)
    # BERT's WordPiece ids for this sentence ([CLS] ... [SEP]), as the Hugging Face tokenizer gives them.
    assert tokens == [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 1012, 102]
    ours = embedder.embed([text])[0]
    reference = _reference_embedding(tokens)
    assert float(ours @ reference) > 0.995


def test_vectors_are_normalised_and_meaningful(embedder: Embedder) -> None:
    vectors = embedder.embed(["A cat sleeps on the sofa.", "A kitten naps on the couch.", "Interest rates rose."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar, unrelated = float(vectors[0] @ vectors[1]), float(vectors[0] @ vectors[2])
    assert similar > 0.5 > unrelated + 0.3


def test_long_texts_are_cut_to_the_model_window_and_batches_stop_when_asked(embedder: Embedder) -> None:
    long_text = "word " * 5000
    assert embedder.embed([long_text]).shape == (1, 384)
    calls = []

    def stop() -> bool:
        calls.append(1)
        return True

    partial = embedder.embed(["short text"] * 100, should_stop=stop)
    assert len(partial) == 8 and calls  # the first call's batch, then it stopped


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="names threads through Linux's prctl")
def test_embedding_on_several_cores_leaves_no_threads_behind(embedding_gguf: Path) -> None:
    """OpenMP keeps a team of threads for every thread that decoded on several cores, as long as
    that thread lives; once the process holds more of them than cores, the chat engine's answers
    crawl (a third of their speed on 2 cores, for as long as the documents worker lived). The
    documents worker's thread lives as long as the app: several-core batches run on a thread that ends.

    The thread that embeds gets a name of its own, which Linux gives every thread it starts (and
    those start theirs): the threads of that name are counted, whatever else the process runs."""
    name = b"hearth-omp-test"
    counts: list[int] = []

    def named_threads() -> int:
        return sum(1 for task in Path("/proc/self/task").iterdir()
                   if (task / "comm").read_bytes().strip() == name)

    def documents_thread() -> None:  # fresh: no OpenMP team of its own yet, whatever ran before
        ctypes.CDLL(None).prctl(15, name)  # PR_SET_NAME, for this thread and the ones it starts
        embedder = Embedder(embedding_gguf, threads=2)
        try:
            embedder.embed_documents([f"passage {n} about boilers and pressure" for n in range(16)])
            deadline = time.monotonic() + 10  # an ended thread's OpenMP threads leave a moment after it
            while named_threads() > 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            counts.append(named_threads())
        finally:
            embedder.close()

    thread = threading.Thread(target=documents_thread)
    thread.start()
    thread.join()
    assert counts == [1]  # the documents thread alone: no OpenMP team left with it


def test_only_its_own_thread_may_use_it(embedder: Embedder) -> None:
    errors: list[Exception] = []

    def other() -> None:
        try:
            embedder.embed(["from another thread"])
        except EmbeddingModelError as exc:
            errors.append(exc)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert errors and "other than its own" in str(errors[0])


def test_a_chat_model_is_not_an_embedding_model(tiny_model: Path) -> None:
    with pytest.raises(EmbeddingModelError, match="is not an embedding model"):
        Embedder(tiny_model)


def test_embedding_models_are_found_in_the_library_by_their_header(
    tmp_path: Path, minilm_model: Path, tiny_model: Path
) -> None:
    models = tmp_path / "models"
    assert find_embedding_model(models) is None  # keyword search only
    library = Library(models)
    library.import_file(tiny_model, link=True)
    assert find_embedding_model(models) is None
    library.import_file(minilm_model, link=True)
    assert find_embedding_model(models) == minilm_model
    assert [m.name for m in embedding_models(models)] == [minilm_model.stem]
    assert [m.name for m in chat_models(models)] == [tiny_model.stem]


def test_query_and_document_prefixes_follow_the_model() -> None:
    assert prefixes_for("nomic-embed-text-v1.5.Q8_0").query == "search_query: "
    assert prefixes_for("bge-small-en-v1.5-f16").query.startswith("Represent this sentence")
    assert prefixes_for("all-MiniLM-L6-v2").query == ""


def test_the_catalog_accepts_embedding_entries_and_rejects_unknown_kinds() -> None:
    entry = {
        "id": "bge-small-en-v1.5", "family": "BGE", "name": "BGE small",
        "repo": "CompendiumLabs/bge-small-en-v1.5-gguf",
        "files": {"F16": "bge-small-en-v1.5-f16.gguf"}, "default_quant": "F16", "parameters": 33400000,
        "context_length": 512, "licence": "mit", "small": True, "description": "An embedding model for search.",
        "kind": "embedding",
    }
    assert validate_catalog({"version": 1, "models": [entry]}) == []
    problems = validate_catalog({"version": 1, "models": [{**entry, "kind": "x"}]})
    assert any("'kind' must be one of" in p for p in problems)
