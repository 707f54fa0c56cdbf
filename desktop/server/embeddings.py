"""/v1/embeddings: an installed embedding model on the server's own embedding thread.

Never the chat engine's thread or context (models.engine.EmbeddingModel is a separate small
model with its own llama.cpp context), so embedding requests and chat answers run side by
side. Vectors are L2-normalised, as OpenAI's are; texts are embedded as given (no retrieval
prefixes: those are the documents index's business).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from models.engine import EmbeddingModel
from models.files import validate_model
from models.wire import WireError


class EmbeddingService:
    def __init__(self, max_waiting: int) -> None:
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="hearth-server-embed")
        self._model: tuple[Path, EmbeddingModel] | None = None  # used on the executor's thread only
        self._max_waiting = max_waiting
        self._outstanding = 0
        self._lock = threading.Lock()

    async def embed(self, path: Path, texts: Sequence[str], dimensions: int | None) -> tuple[list[list[float]], int]:
        """Unit-length vectors for `texts`, and the tokens they took."""
        with self._lock:
            if self._outstanding > self._max_waiting:
                raise WireError("The embedding model is busy. Try again shortly.", 503, kind="server_error",
                                code="engine_busy", headers={"Retry-After": "2"})
            self._outstanding += 1
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, self._embed, path, list(texts), dimensions)
        finally:
            with self._lock:
                self._outstanding -= 1

    def _load(self, path: Path) -> EmbeddingModel:
        if self._model is not None and self._model[0] == path:
            return self._model[1]
        if self._model is not None:
            self._model[1].close()
            self._model = None
        model = EmbeddingModel(validate_model(path))
        self._model = (path, model)
        return model

    def _embed(self, path: Path, texts: list[str], dimensions: int | None) -> tuple[list[list[float]], int]:
        model = self._load(path)
        if dimensions is not None and dimensions != model.dimension:
            raise WireError(f"This model's vectors have {model.dimension} dimensions; 'dimensions' asked for "
                            f"{dimensions}.", param="dimensions")
        tokens = sum(len(model.tokenize(t)) for t in texts)  # as read: cut to the model's window
        try:
            vectors = np.asarray(model.embed(texts), dtype=np.float32)
        finally:
            model.release_threads()  # a chat request may follow: it gets the cores at once
        norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
        unit = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        return unit.tolist(), tokens

    def close(self) -> None:
        def unload() -> None:
            if self._model is not None:
                self._model[1].close()
                self._model = None

        self._executor.submit(unload)
        self._executor.shutdown(wait=True)
