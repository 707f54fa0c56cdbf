"""GGUF files: reading and validating a header before llama.cpp sees the file, and file naming
(quantization labels, split parts). The bottom layer of `models`: it imports nothing else of it."""

from models.files.adapter import AdapterInfo, LoraPair, check_adapter, check_adapter_file, is_adapter, read_adapter
from models.files.header import GGUFInfo, read_gguf, validate_model
from models.files.names import is_gguf, label_from_file_type, model_stem, quant_label, split_name, split_parts

__all__ = [
    "AdapterInfo",
    "GGUFInfo",
    "LoraPair",
    "check_adapter",
    "check_adapter_file",
    "is_adapter",
    "is_gguf",
    "label_from_file_type",
    "model_stem",
    "quant_label",
    "read_adapter",
    "read_gguf",
    "split_name",
    "split_parts",
    "validate_model",
]
