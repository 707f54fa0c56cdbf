"""A GGUF model loaded through llama.cpp's C API: weights, vocabulary, tokenizer.

The engine owns its `llama_model *` instead of borrowing one from `llama_cpp.Llama`:
- its load parameters are plain field writes: `use_extra_bufts` (whose AMX kernels crash on
  Xeons, models.engine.cpu_kernels decides) without swapping `llama_model_default_params`;
- no hidden costs: `Llama.__init__` also compiles every chat template the file carries (Hearth
  renders its own), builds a tokenizer wrapper and a batch with n_ctx sequence slots per token;
- the one context over it (models.engine.decode.Decoder) is the only record of the KV cache.

Not thread-safe: one thread (the engine's) uses a model and its decoders.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Sequence
from pathlib import Path

import llama_cpp.llama_cpp as C

# llama.cpp's "all layers" (`Llama` passes the same for n_gpu_layers = -1).
_ALL_LAYERS = 0x7FFFFFFF


class NativeLoadError(RuntimeError):
    """llama.cpp refused the file; its log says why (models.engine.llama_log)."""


@functools.cache
def backend_init() -> None:
    """Once per process (`Llama` guards it with a class flag too)."""
    C.llama_backend_init()


class NativeModel:
    """A loaded model (`llama_model_load_from_file`). Free with `close()`."""

    def __init__(
        self, path: str | Path, gpu_layers: int = 0, extra_buffers: bool = False, vocab_only: bool = False
    ) -> None:
        backend_init()
        params = C.llama_model_default_params()
        params.n_gpu_layers = _ALL_LAYERS if gpu_layers < 0 else gpu_layers
        params.use_extra_bufts = extra_buffers
        params.vocab_only = vocab_only
        ptr = C.llama_model_load_from_file(str(path).encode("utf-8"), params)
        if not ptr:
            raise NativeLoadError(f"Failed to load model from file: {path}")
        self.ptr: C.llama_model_p = ptr
        self.path = Path(path)
        self.vocab: C.llama_vocab_p = C.llama_model_get_vocab(ptr)
        self.n_vocab: int = C.llama_vocab_n_tokens(self.vocab)
        self.bos: int = C.llama_vocab_bos(self.vocab)  # -1 (LLAMA_TOKEN_NULL) when the model has none
        self.eos: int = C.llama_vocab_eos(self.vocab)
        # Recurrent and hybrid memories cannot drop a partial range of positions: prefix reuse
        # falls back to a full evaluation and draft tokens could not be taken back.
        self.partial_removal = not (C.llama_model_is_recurrent(ptr) or C.llama_model_is_hybrid(ptr))

    def close(self) -> None:
        if self.ptr:
            C.llama_model_free(self.ptr)
            self.ptr = C.llama_model_p(0)

    @property
    def n_params(self) -> int:
        return int(C.llama_model_n_params(self.ptr))

    @property
    def n_ctx_train(self) -> int:
        return int(C.llama_model_n_ctx_train(self.ptr))

    def tokenize(self, text: str | bytes, add_special: bool = True, parse_special: bool = True) -> list[int]:
        """`Llama.tokenize(text, add_bos=add_special, special=parse_special)`: `add_special` adds
        what the vocabulary asks for (BOS, sometimes EOS); `parse_special` reads "<|im_end|>"
        as one control token instead of spelling it out."""
        data = text.encode("utf-8") if isinstance(text, str) else text
        capacity = len(data) + 2  # a token covers at least one byte, plus BOS and EOS
        tokens = (C.llama_token * capacity)()
        n = C.llama_tokenize(self.vocab, data, len(data), tokens, capacity, add_special, parse_special)
        if n < 0:  # the API's way of asking for more room
            capacity = -n
            tokens = (C.llama_token * capacity)()
            n = C.llama_tokenize(self.vocab, data, len(data), tokens, capacity, add_special, parse_special)
        if n < 0:
            raise ValueError(f"llama.cpp could not tokenize {len(data)} bytes of text")
        return list(tokens[:n])

    def token_text(self, token: int) -> str:
        """The token's vocabulary entry, e.g. "<|im_end|>" or "▁Paris"; "" for no token (-1)."""
        if token < 0:
            return ""
        raw: bytes = C.llama_vocab_get_text(self.vocab, token)
        return raw.decode("utf-8", errors="replace")

    def token_attr(self, token: int) -> int:
        """The token's LLAMA_TOKEN_ATTR_* bits (CONTROL, USER_DEFINED, ...)."""
        return int(C.llama_vocab_get_attr(self.vocab, token))

    def is_eog(self, token: int) -> bool:
        return bool(C.llama_vocab_is_eog(self.vocab, token))

    def control_tokens(self, texts: Sequence[str]) -> list[int]:
        """Ids of those `texts` that are single control tokens of this vocabulary."""
        ids = []
        for text in texts:
            tokens = self.tokenize(text, add_special=False, parse_special=True)
            if len(tokens) == 1 and self.token_attr(tokens[0]) & C.LLAMA_TOKEN_ATTR_CONTROL:
                ids.append(tokens[0])
        return ids

    def detokenize(self, tokens: Sequence[int], special: bool = False) -> str:
        buffer = ctypes.create_string_buffer(256)
        out = bytearray()
        for token in tokens:
            n = C.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, special)
            if n < 0:
                buffer = ctypes.create_string_buffer(-n)
                n = C.llama_token_to_piece(self.vocab, token, buffer, len(buffer), 0, special)
            out += buffer.raw[:n]
        return out.decode("utf-8", errors="replace")
