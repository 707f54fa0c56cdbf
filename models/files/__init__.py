"""GGUF files: reading and validating a header before llama.cpp sees the file, and file naming
(quantization labels, split parts), and writing a BERT embedding checkpoint as a GGUF. The bottom
layer of `models`: it imports nothing else of it."""

from models.files.adapter import AdapterInfo, LoraPair, check_adapter, check_adapter_file, is_adapter, read_adapter
from models.files.bert_gguf import convert_bert_checkpoint
from models.files.header import GGUFInfo, read_gguf
from models.files.names import is_gguf, label_from_file_type, model_stem, quant_label, split_name, split_parts
from models.files.validation import check_hyperparameters, validate_model

__all__ = [
    "AdapterInfo",
    "GGUFInfo",
    "LoraPair",
    "check_adapter",
    "check_adapter_file",
    "check_hyperparameters",
    "convert_bert_checkpoint",
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
