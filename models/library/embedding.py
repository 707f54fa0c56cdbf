"""Which GGUF files are embedding models (bge, nomic-embed-text, all-MiniLM, ...), not chat models.

Told apart by their header: an encoder architecture that only embeds (BERT and its variants),
or a pooling type, which llama.cpp reads only for embedding models (Qwen3-Embedding is a
`qwen3` file with `qwen3.pooling_type` set). The header is read without the tensor data, so
checking a whole library takes milliseconds.

The window's model picker and `hearth chat` should offer only chat models, and the documents
indexer only embedding models; both ask here.
"""

from __future__ import annotations

import logging
from pathlib import Path

from models.errors import ModelFileError
from models.files import GGUFInfo, read_gguf
from models.library.installed import InstalledModel, Library

log = logging.getLogger(__name__)

# llama.cpp architectures that are encoders for embeddings only (src/llama-arch.cpp).
EMBEDDING_ARCHITECTURES = frozenset(
    {"bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "modern-bert", "neo-bert", "eurobert",
     "gemma-embedding", "t5encoder"}
)


def is_embedding_model(info: GGUFInfo) -> bool:
    return info.architecture in EMBEDDING_ARCHITECTURES or info.arch_value("pooling_type") is not None


def is_embedding_file(path: Path) -> bool:
    try:
        return is_embedding_model(read_gguf(path))
    except ModelFileError:
        return False


def embedding_models(models_dir: Path) -> list[InstalledModel]:
    """Installed models that embed, in the library's order (managed ones by name first)."""
    found = []
    for model in Library(models_dir).models():
        if not model.available:
            continue
        architecture = model.details.architecture if model.details else None
        if architecture in EMBEDDING_ARCHITECTURES or is_embedding_file(model.path):
            found.append(model)
    return found


def chat_models(models_dir: Path) -> list[InstalledModel]:
    """Installed models that chat: everything that is not an embedding model."""
    embedders = {m.name for m in embedding_models(models_dir)}
    return [m for m in Library(models_dir).models() if m.name not in embedders]
