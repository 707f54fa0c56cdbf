"""What a model is checked for when it is imported: a chat model's template, an embedding model's embeddings.

An embedding model (bge, nomic-embed, all-MiniLM...) never chats: the template doctor's warnings
("no chat template, ChatML guessed", "turn markers are plain text to this model") say nothing
useful about it. It is checked for what document search needs instead:
- a pooling type that makes one vector per passage (mean, CLS or last token); none means one
  vector per token, and rank is a reranker, which scores a question and a passage together;
- its dimension;
- a test embedding: three sentences give finite, non-zero vectors of that dimension, and the two
  that mean the same are closer than the unrelated one (a model that fails this would make
  search no better than chance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.engine.embedding import EmbeddingModel
from models.engine.template_check import Finding, check_model_file
from models.errors import HearthModelError, ModelFileError
from models.files import GGUFInfo, validate_model
from models.library import is_embedding_model

# llama.cpp's enum llama_pooling_type
POOLING = {0: "none", 1: "mean", 2: "CLS", 3: "last token", 4: "rank"}
TEST_SENTENCES = (
    "The cat sleeps on the sofa all afternoon.",
    "A kitten naps on the couch during the day.",
    "Quarterly tax returns are due at the end of the month.",
)


@dataclass(frozen=True)
class ImportCheck:
    kind: Literal["chat", "embedding"]
    summary: str  # one sentence: what the model is for, and what was checked
    findings: tuple[Finding, ...]
    pooling: str | None = None  # embedding models only
    dimension: int | None = None

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"kind": self.kind, "summary": self.summary,
                                   "findings": [{"severity": f.severity, "message": f.message} for f in self.findings]}
        if self.kind == "embedding":
            data |= {"pooling": self.pooling, "dimension": self.dimension}
        return data


def check_import(path: str | Path) -> ImportCheck:
    """The check that suits the model: embeddings for an embedding model, the template otherwise.
    Raises ModelFileError for a file that is not a usable model."""
    info = validate_model(path)
    if is_embedding_model(info):
        return check_embedding_model(info)
    report = check_model_file(info.path)
    return ImportCheck("chat", "A chat model.", report.findings)


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norms = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norms if norms else 0.0


def check_embedding_model(info: GGUFInfo) -> ImportCheck:
    """Pooling, dimension and a test embedding (loads the model: a second or two for most)."""
    code = info.arch_value("pooling_type")
    pooling = POOLING.get(int(code), f"type {code}") if isinstance(code, int) else None
    if pooling == "rank":
        return ImportCheck("embedding", "A reranking model, not an embedding model.", (Finding(
            "error", "It is a reranker (it scores a question and a passage together): document search needs an "
                     "embedding model, which turns each passage into a vector."),), pooling)
    if pooling in (None, "none"):
        return ImportCheck("embedding", "An embedding model that cannot be used for search.", (Finding(
            "error", "It does not say how to pool its token vectors into one vector per passage (no pooling "
                     "type), so it cannot be used for document search."),), pooling or "none")
    try:
        model = EmbeddingModel(info, threads=None, gpu=False)
    except ModelFileError as exc:
        return ImportCheck("embedding", "An embedding model that llama.cpp cannot load.",
                           (Finding("error", f"llama.cpp could not load it: {exc.reason}."),), pooling)
    try:
        dimension = model.dimension
        vectors = model.embed(list(TEST_SENTENCES))
    except HearthModelError as exc:
        return ImportCheck("embedding", "An embedding model whose test embedding failed.",
                           (Finding("error", str(exc)),), pooling)
    finally:
        model.close()
    return _judged(vectors, pooling, dimension)


def _judged(vectors: list[list[float]], pooling: str, dimension: int) -> ImportCheck:
    findings: list[Finding] = []
    shapes_ok = len(vectors) == len(TEST_SENTENCES) and all(
        isinstance(v, list) and len(v) == dimension and all(isinstance(x, float) for x in v) for v in vectors
    )
    if not shapes_ok or dimension <= 0:
        findings.append(Finding("error", f"Its test embedding did not come out as one vector of {dimension} numbers "
                                         "per sentence."))
    elif any(not all(math.isfinite(x) for x in v) or not any(v) for v in vectors):
        findings.append(Finding("error", "Its test embedding came out empty or not a number: the file is damaged "
                                         "or its weights are not an embedding model's."))
    elif _cosine(vectors[0], vectors[1]) <= _cosine(vectors[0], vectors[2]):
        findings.append(Finding("warning", "In its test embedding, two sentences that mean the same were no closer "
                                           "than an unrelated one: search with it may be no better than chance."))
    state = "test embedding passed" if not findings else "test embedding failed"
    summary = f"An embedding model for document search: {pooling} pooling, {dimension} dimensions, {state}."
    return ImportCheck("embedding", summary, tuple(findings), pooling, dimension)
