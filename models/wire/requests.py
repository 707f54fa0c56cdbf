"""OpenAI's request bodies as typed values: parsed strictly from JSON (a server's side) and
written back to JSON (a client's side).

What a local llama.cpp engine cannot honour is a 400 naming the field, never silence: more than
one choice (`n`), tools and functions, structured output, log-probabilities, logit bias, audio
and images. Fields that change nothing for one local model (`user`, `metadata`, `store`, ...)
are accepted and ignored. A field nobody here knows is refused as OpenAI refuses it
("Unrecognized request argument supplied"), since it may be one that matters.

Beside OpenAI's fields, llama.cpp's own sampling knobs are accepted as llama.cpp's and vLLM's
servers accept them: `top_k`, `min_p`, `repeat_penalty` (or vLLM's `repetition_penalty`), and
`chat_template_kwargs.enable_thinking` for models that can think or not (Qwen 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from models.wire.errors import WireError
from models.wire.fields import Fields

Role = Literal["system", "developer", "user", "assistant"]
EncodingFormat = Literal["float", "base64"]
MAX_STOP_STRINGS = 16  # OpenAI takes 4; llama.cpp's server any number
MAX_EMBEDDING_INPUTS = 2048  # OpenAI's own limit per request
COMPLETIONS_DEFAULT_MAX_TOKENS = 16  # OpenAI's default for the legacy completions endpoint

# Accepted, and change nothing for one local model.
_HARMLESS = ("user", "metadata", "store", "service_tier", "prompt_cache_key", "safety_identifier",
             "parallel_tool_calls", "reasoning_effort", "verbosity")


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class Sampling:
    """The sampling a request asks for; None: not given (the server's defaults apply)."""

    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    presence_penalty: float | None = None
    frequency_penalty: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    repeat_penalty: float | None = None

    def to_json(self) -> dict[str, Any]:
        body = {name: getattr(self, name) for name in (
            "temperature", "top_p", "max_tokens", "seed", "presence_penalty", "frequency_penalty",
            "top_k", "min_p", "repeat_penalty") if getattr(self, name) is not None}
        if self.stop:
            body["stop"] = list(self.stop)
        return body


@dataclass(frozen=True)
class ChatRequest:
    model: str
    messages: tuple[ChatMessage, ...]
    sampling: Sampling = Sampling()
    stream: bool = False
    include_usage: bool = False  # stream_options.include_usage: a last chunk with the usage
    thinking: bool | None = None  # chat_template_kwargs.enable_thinking

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in self.messages],
            **self.sampling.to_json(),
        }
        if self.stream:
            body["stream"] = True
            if self.include_usage:
                body["stream_options"] = {"include_usage": True}
        if self.thinking is not None:
            body["chat_template_kwargs"] = {"enable_thinking": self.thinking}
        return body


@dataclass(frozen=True)
class CompletionRequest:
    model: str
    prompt: str
    sampling: Sampling = Sampling(max_tokens=COMPLETIONS_DEFAULT_MAX_TOKENS)
    stream: bool = False
    include_usage: bool = False

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "prompt": self.prompt, **self.sampling.to_json()}
        if self.stream:
            body["stream"] = True
            if self.include_usage:
                body["stream_options"] = {"include_usage": True}
        return body


@dataclass(frozen=True)
class EmbeddingRequest:
    model: str
    inputs: tuple[str, ...]
    encoding_format: EncodingFormat = "float"
    dimensions: int | None = None

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "input": list(self.inputs)}
        body["encoding_format"] = self.encoding_format
        if self.dimensions is not None:
            body["dimensions"] = self.dimensions
        return body


def _unsupported(param: str, sentence: str) -> WireError:
    return WireError(sentence, param=param, code="unsupported_parameter")


def _sampling(f: Fields, max_token_fields: tuple[str, ...], default_max_tokens: int | None = None) -> Sampling:
    max_tokens = None
    for name in max_token_fields:  # the first given wins: max_completion_tokens over the older max_tokens
        value = f.integer(name, minimum=1)
        max_tokens = value if max_tokens is None else max_tokens
    stop = f.raw("stop")
    if isinstance(stop, str):
        stop = [stop]
    if stop is not None and (not isinstance(stop, list) or not all(isinstance(s, str) and s for s in stop)):
        raise f.wrong("stop", "a non-empty string or an array of them")
    if stop is not None and len(stop) > MAX_STOP_STRINGS:
        raise WireError(f"'stop' takes at most {MAX_STOP_STRINGS} strings.", param="stop")
    repeat_penalty = f.number("repeat_penalty", 0.0, 10.0)
    if f.raw("repetition_penalty") is not None:
        repeat_penalty = f.number("repetition_penalty", 0.0, 10.0)
    n = f.integer("n", minimum=1)
    if n is not None and n > 1:
        raise _unsupported("n", "n > 1 is not supported: Hearth generates one answer per request.")
    if f.raw("logit_bias"):
        raise _unsupported("logit_bias", "'logit_bias' is not supported by Hearth's engine.")
    return Sampling(
        temperature=f.number("temperature", 0.0, 2.0),
        top_p=f.number("top_p", 0.0, 1.0),
        max_tokens=max_tokens if max_tokens is not None else default_max_tokens,
        stop=tuple(stop or ()),
        # OpenAI takes any 64-bit seed; llama.cpp's are 32-bit, so wider ones are folded into range.
        seed=f.integer("seed", -(2**63), 2**64 - 1),
        presence_penalty=f.number("presence_penalty", -2.0, 2.0),
        frequency_penalty=f.number("frequency_penalty", -2.0, 2.0),
        top_k=f.integer("top_k", 0, 100_000),
        min_p=f.number("min_p", 0.0, 1.0),
        repeat_penalty=repeat_penalty,
    )


def _include_usage(f: Fields, stream: bool) -> bool:
    options = f.raw("stream_options")
    if options is None:
        return False
    if not stream:
        raise WireError("'stream_options' is only allowed when 'stream' is true.", param="stream_options")
    o = Fields(options, "stream_options.")
    include = o.boolean("include_usage")
    o.ignore("include_obfuscation", "continuous_usage_stats")
    o.reject_unknown()
    return include


def _content(value: object, param: str, role: str) -> str:
    if value is None and role == "assistant":
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise WireError(f"'{param}' must be a string or an array of text parts.", param=param)
    texts = []
    for i, part in enumerate(value):
        p = Fields(part, f"{param}[{i}].")
        kind = p.string("type", required=True)
        if kind != "text":
            raise _unsupported(f"{param}[{i}]", f"Hearth's engine reads text only; '{param}[{i}]' is {kind}.")
        texts.append(p.string("text", required=True) or "")
        p.ignore("cache_control")
        p.reject_unknown()
    return "\n".join(texts)


def _messages(value: object) -> tuple[ChatMessage, ...]:
    if not isinstance(value, list) or not value:
        raise WireError("'messages' must be a non-empty array of messages.", param="messages")
    messages = []
    for i, item in enumerate(value):
        m = Fields(item, f"messages[{i}].")
        role = m.string("role", required=True)
        if role in ("tool", "function") or m.raw("tool_calls") or m.raw("function_call"):
            raise _unsupported(m.param("role"), "Tool and function messages are not supported: Hearth's engine "
                               "does not call tools.")
        if role not in ("system", "developer", "user", "assistant"):
            raise WireError(f"'{m.param('role')}' must be system, developer, user or assistant.", param=m.param("role"))
        content = _content(m.raw("content"), m.param("content"), role)
        m.ignore("name", "refusal", "reasoning_content", "annotations", "audio")
        m.reject_unknown()
        messages.append(ChatMessage(role, content))  # type: ignore[arg-type]  # checked just above
    return tuple(messages)


def _thinking(f: Fields) -> bool | None:
    kwargs = f.raw("chat_template_kwargs")
    if kwargs is None:
        return None
    k = Fields(kwargs, "chat_template_kwargs.")
    value = k.raw("enable_thinking")
    if value is not None and not isinstance(value, bool):
        raise k.wrong("enable_thinking", "true or false")
    k.reject_unknown()
    return value


def parse_chat_request(body: object) -> ChatRequest:
    f = Fields(body)
    model = f.string("model", required=True) or ""
    messages = _messages(f.raw("messages"))
    stream = f.boolean("stream")
    include_usage = _include_usage(f, stream)
    sampling = _sampling(f, ("max_completion_tokens", "max_tokens"))
    if f.raw("tools") or f.raw("functions"):
        raise _unsupported("tools", "Tools (function calling) are not supported by Hearth's engine.")
    if f.raw("tool_choice") not in (None, "none", "auto") or f.raw("function_call") not in (None, "none", "auto"):
        raise _unsupported("tool_choice", "'tool_choice' asks for a tool call; Hearth's engine does not call tools.")
    response_format = f.raw("response_format")
    if response_format is not None and response_format != {"type": "text"}:
        raise _unsupported("response_format", "Structured output ('response_format' other than text) is not "
                           "supported by Hearth's engine.")
    if f.raw("logprobs") or f.raw("top_logprobs"):
        raise _unsupported("logprobs", "Log-probabilities are not supported by Hearth's engine.")
    if f.raw("audio") or f.raw("prediction") or f.raw("web_search_options"):
        raise _unsupported("audio", "Audio, predicted outputs and web search are not supported by Hearth's engine.")
    if f.raw("modalities") not in (None, ["text"]):
        raise _unsupported("modalities", "Hearth's models answer in text only.")
    thinking = _thinking(f)
    f.ignore(*_HARMLESS)
    f.reject_unknown()
    return ChatRequest(model, messages, sampling, stream, include_usage, thinking)


def parse_completion_request(body: object) -> CompletionRequest:
    f = Fields(body)
    model = f.string("model", required=True) or ""
    prompt = f.raw("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if isinstance(prompt, list) and prompt and all(isinstance(t, int) for t in prompt):
        raise _unsupported("prompt", "A prompt of token ids is not supported: send the prompt as text.")
    if isinstance(prompt, list):
        raise _unsupported("prompt", "Several prompts in one request are not supported: send one prompt per request.")
    if not isinstance(prompt, str):
        raise f.wrong("prompt", "a string")
    stream = f.boolean("stream")
    include_usage = _include_usage(f, stream)
    sampling = _sampling(f, ("max_tokens",), COMPLETIONS_DEFAULT_MAX_TOKENS)
    best_of = f.integer("best_of", minimum=1)
    if best_of is not None and best_of > 1:
        raise _unsupported("best_of", "best_of > 1 is not supported: Hearth generates one answer per request.")
    if f.boolean("echo"):
        raise _unsupported("echo", "'echo' is not supported by Hearth's engine.")
    if f.string("suffix"):
        raise _unsupported("suffix", "'suffix' (filling in the middle) is not supported by Hearth's engine.")
    if f.raw("logprobs"):
        raise _unsupported("logprobs", "Log-probabilities are not supported by Hearth's engine.")
    f.ignore(*_HARMLESS)
    f.reject_unknown()
    return CompletionRequest(model, prompt, sampling, stream, include_usage)


def parse_embedding_request(body: object) -> EmbeddingRequest:
    f = Fields(body)
    model = f.string("model", required=True) or ""
    value = f.raw("input")
    inputs = [value] if isinstance(value, str) else value
    if isinstance(inputs, list) and inputs and all(isinstance(t, int | list) for t in inputs):
        raise _unsupported("input", "Token ids are not supported: send the input as text (LangChain: "
                           "OpenAIEmbeddings(check_embedding_ctx_length=False)).")
    if not isinstance(inputs, list) or not inputs or not all(isinstance(t, str) and t for t in inputs):
        raise WireError("'input' must be a non-empty string or a non-empty array of them.", param="input")
    if len(inputs) > MAX_EMBEDDING_INPUTS:
        raise WireError(f"'input' takes at most {MAX_EMBEDDING_INPUTS} texts per request.", param="input")
    encoding = f.string("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise WireError("'encoding_format' must be float or base64.", param="encoding_format")
    dimensions = f.integer("dimensions", minimum=1)
    f.ignore("user")
    f.reject_unknown()
    return EmbeddingRequest(model, tuple(inputs), encoding, dimensions)  # type: ignore[arg-type]  # checked above
