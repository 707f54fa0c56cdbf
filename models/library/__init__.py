"""Installed models: the library folder with provenance, discovery of other tools' GGUF files,
the starter chat and embedding models, LoRA adapters under their models, and telling embedding
models from chat models."""

from models.library.adapters import AdapterLibrary, InstalledAdapter, fitting_models
from models.library.discovery import DiscoveredModel, add_discovered, discover, hf_cache_dir
from models.library.embedding import chat_models, embedding_models, is_embedding_model
from models.library.installed import InstalledModel, Library, ModelDetails, ModelFile
from models.library.locate import installed_models, resolve_model
from models.library.starter import (
    INSTALL_HINT,
    STARTER_FILE,
    STARTER_NAME,
    STARTER_PACKAGE,
    STARTER_SHA256,
    STARTER_SIZE,
    starter_model_path,
)
from models.library.starter_embedding import (
    STARTER_EMBEDDING_HINT,
    STARTER_EMBEDDING_NAME,
    is_starter_embedding,
    starter_checkpoint,
    starter_embedding_path,
)

__all__ = [
    "INSTALL_HINT",
    "STARTER_EMBEDDING_HINT",
    "STARTER_EMBEDDING_NAME",
    "STARTER_FILE",
    "STARTER_NAME",
    "STARTER_PACKAGE",
    "STARTER_SHA256",
    "STARTER_SIZE",
    "AdapterLibrary",
    "DiscoveredModel",
    "InstalledAdapter",
    "InstalledModel",
    "Library",
    "ModelDetails",
    "ModelFile",
    "add_discovered",
    "chat_models",
    "discover",
    "embedding_models",
    "fitting_models",
    "hf_cache_dir",
    "installed_models",
    "is_embedding_model",
    "is_starter_embedding",
    "resolve_model",
    "starter_checkpoint",
    "starter_embedding_path",
    "starter_model_path",
]
