"""The in-process llama.cpp engine: load a GGUF, stream chat answers, cancel them.

An `Engine` is not thread-safe (neither is `llama_cpp.Llama`): one thread uses it. The app
reaches it through `models.engine.worker.EngineWorker`, which owns that thread; the command line
uses it directly on its main thread.

Families (models.families.registry) shape three things here: which template renders the prompt (the
model's own, or its family's known-good one by choice or when the file has none), how the
conversation is adapted when that template raises (models.families.adapt), and how the output
is streamed: GPT-OSS's harmony channels and DeepSeek-R1's prompt-opened `<think>` both reach
`on_text` in the app's `<think>…</think>answer` form. Assistant messages lose their reasoning
before rendering (the families' templates expect the answer alone in the history), so a caller
that forgets to strip it cannot leak it into the prompt.
"""

from __future__ import annotations

import ctypes
import logging
import re
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from pathlib import Path

import llama_cpp

from models.cancel import CancelToken
from models.engine import cpu_kernels, crash_guard, hardware, llama_log
from models.engine.chat_handlers import tolerant_chat_handlers
from models.engine.context_window import FittedPrompt, fit_to_context
from models.engine.lora import AdapterChoice, LoadedAdapters
from models.engine.output import Pieces, Shaper, StopStrings, shaped
from models.engine.prefix_cache import PrefixCache
from models.engine.values import EngineSettings, GenerationStats, ModelInfo, StopReason
from models.errors import ContextOverflowError, EngineStateError, HearthModelError, ModelFileError, TemplateError
from models.families import (
    CLOSE,
    OPEN,
    ChatTemplate,
    Family,
    HarmonyStream,
    Message,
    PromptOpenedThinking,
    Rendered,
    SamplingParams,
    build_template,
    choose_template,
    describe_model,
    family_of,
    opened_in_prompt,
    render_adapted,
    strip_reasoning,
    unrenderable_message,
)
from models.files import GGUFInfo, validate_model
from models.library import is_embedding_model

log = logging.getLogger(__name__)

# Room kept for the answer when fitting history into the context (capped at a quarter of it).
DEFAULT_ANSWER_RESERVE = 1024
_OFFLOADED = re.compile(r"offloaded (\d+)/(\d+) layers to GPU")
# "load_tensors: CPU_Mapped model buffer size = 92.10 MiB", "llama_kv_cache: CUDA0 KV buffer size = ..."
_BUFFER = re.compile(r"(\S+)\s+(?:model|KV|output|compute) buffer size =\s+([\d.]+) MiB")


def _memory_by_device(lines: list[tuple[int, str]]) -> dict[str, int]:
    """Bytes llama.cpp allocated per device while loading: weights, KV cache, compute buffers.
    Host-side buffers ("CPU_Mapped", "CUDA_Host") count as "CPU"."""
    totals: dict[str, int] = {}
    for _level, line in lines:
        if match := _BUFFER.search(line):
            name = match.group(1)
            device = "CPU" if name.startswith("CPU") or name.endswith("_Host") else name
            totals[device] = totals.get(device, 0) + int(float(match.group(2)) * 1024 * 1024)
    return totals


def _answer_only(content: str, trim_leading_newlines: bool) -> str:
    answer = strip_reasoning(content)
    return answer.lstrip("\n") if trim_leading_newlines else answer


class _AbortSwitch:
    """llama.cpp's abort callback, armed only while a prompt is evaluated.

    ggml calls it before every graph node; a Python callback there costs a GIL round trip
    per node, which is noise for a 512-token batch but measurable for single-token
    generation steps. Generation checks the cancel token between tokens instead.
    """

    def __init__(self, llm: llama_cpp.Llama) -> None:
        self._ctx = llm.ctx
        self._token: CancelToken | None = None
        self._callback = llama_cpp.ggml_abort_callback(self._should_abort)
        self._none = llama_cpp.ggml_abort_callback(0)

    def _should_abort(self, _data: ctypes.c_void_p) -> bool:
        return self._token is not None and self._token.cancelled

    def arm(self, token: CancelToken) -> None:
        self._token = token
        llama_cpp.llama_set_abort_callback(self._ctx, self._callback, None)

    def disarm(self) -> None:
        llama_cpp.llama_set_abort_callback(self._ctx, self._none, None)
        self._token = None


class Engine:
    def __init__(self, settings: EngineSettings | None = None, guard: crash_guard.StepMarker | None = None) -> None:
        self.settings = settings or EngineSettings()
        # Where loads and answers are recorded while they run, so that the next start knows
        # which one crashed (models.engine.crash_guard); None: not recorded.
        self.guard = guard
        self._llm: llama_cpp.Llama | None = None
        self._gguf: GGUFInfo | None = None
        self._template: ChatTemplate | None = None
        self._family: Family | None = None
        self._stop_ids: frozenset[int] = frozenset()
        self._special_text = False  # decode control tokens as text (GPT-OSS, control <think> tokens)
        self._adaptations_logged: set[tuple[str, ...]] = set()
        self._cache = PrefixCache(self.settings.prefix_cache_bytes)
        self._abort: _AbortSwitch | None = None
        self.adapters: LoadedAdapters | None = None  # LoRA adapters on the loaded model
        self.model: ModelInfo | None = None

    # -- loading -------------------------------------------------------------------------

    def load(
        self, path: str | Path, template: str | None = None, settings: EngineSettings | None = None
    ) -> ModelInfo:
        """Validate and load a GGUF model, replacing the loaded one. Raises ModelFileError.

        `template` names a known-good template (models.families.known_templates) to use instead of the
        model's own; `settings`, when given, replace the engine's from now on (context length,
        threads, GPU offload). A file that fails validation, or an embedding model (it cannot
        chat), leaves the loaded model in place; once
        llama.cpp is handed the new file, the old model is gone (two may not fit in memory)."""
        info = validate_model(path)
        if is_embedding_model(info):  # llama.cpp would load it, then fail at the first answer
            raise ModelFileError(info.path, "it is an embedding model, used to search your documents, not to chat")
        self.unload()
        if settings is not None:
            self.settings = settings
            self._cache = PrefixCache(settings.prefix_cache_bytes)
        settings = self.settings
        n_ctx = min(info.context_length or settings.max_context, settings.max_context)
        threads = settings.threads or hardware.physical_cores()
        gpu_layers = settings.gpu_layers
        if gpu_layers is None:
            gpu_layers = -1 if hardware.supports_gpu_offload() else 0
        flash_attention = settings.flash_attention if settings.flash_attention is not None else bool(gpu_layers)
        extra_buffers = cpu_kernels.kernel_choice(settings.extra_buffers).extra_buffers
        started = time.perf_counter()
        with self._load_step(info.path, settings, n_ctx, threads, gpu_layers, flash_attention, extra_buffers), \
                llama_log.capture() as lines, tolerant_chat_handlers(), cpu_kernels.model_params(extra_buffers):
            crash_guard.crash_if_asked("load")
            try:
                llm = llama_cpp.Llama(
                    str(info.path),
                    n_ctx=n_ctx,
                    n_batch=min(settings.batch_size, n_ctx),
                    n_threads=threads,
                    n_threads_batch=max(threads, hardware.usable_cpus()),
                    n_gpu_layers=gpu_layers,
                    flash_attn=flash_attention,
                    verbose=False,
                )
            except (ValueError, RuntimeError) as exc:
                reason = llama_log.failure_reason(lines) or str(exc)
                raise ModelFileError(info.path, f"llama.cpp could not load it ({reason})") from exc
        offloaded = 0
        for _level, line in lines:
            if match := _OFFLOADED.search(line):
                offloaded = int(match.group(1))
        self._llm, self._gguf = llm, info
        self._abort = _AbortSwitch(llm)
        self.adapters = LoadedAdapters(llm, info)
        self._family = family_of(info)
        self._stop_ids = frozenset(self._control_tokens(self._family.stop_tokens if self._family else ()))
        self._special_text = (self._family is not None and self._family.reasoning == "harmony") or bool(
            self._control_tokens((OPEN, CLOSE))
        )
        self.model = ModelInfo(
            path=info.path,
            name=info.path.stem,
            architecture=info.architecture,
            file_size=info.file_size,
            parameter_count=info.parameter_count,
            context_length=llm.n_ctx(),
            trained_context=info.context_length,
            threads=threads,
            gpu_layers=offloaded,
            flash_attention=flash_attention,
            layer_count=info.block_count,
            backend=hardware.backend_summary(offloaded),
            memory_by_device=_memory_by_device(lines),
            template_source="model",
            load_seconds=time.perf_counter() - started,
            extra_buffers=extra_buffers,
            safe_mode=settings.safe_mode,
        )
        try:
            self.set_template(template)
        except HearthModelError:
            self.unload()
            raise
        log.info("Loaded %s on %s in %.2fs", info.name, self.model.backend, self.model.load_seconds)
        return self.model

    def _load_step(self, path: Path, settings: EngineSettings, n_ctx: int, threads: int, gpu_layers: int,
                   flash_attention: bool, extra_buffers: bool) -> AbstractContextManager[None]:
        """The crash marker for loading `path` (nothing when the engine has no guard)."""
        if self.guard is None:
            return nullcontext()
        backend = hardware.backend_summary(gpu_layers if hardware.supports_gpu_offload() else 0)
        record = crash_guard.settings_record(settings, n_ctx, threads, gpu_layers, flash_attention, extra_buffers)
        return self.guard.step(self.guard.record("load", path, path.stem, backend, record, cpu_kernels.system_info()))

    def set_template(self, name: str | None) -> ModelInfo:
        """Render with the known-good template `name`, or with the model's own again (None).
        Raises TemplateError for an unknown name, or when the model's own template does not
        compile (at load, the model is then unloaded: load it again with a known-good template)."""
        if self._llm is None or self._gguf is None or self.model is None:
            raise EngineStateError("No model is loaded.")
        llm, info = self._llm, self._gguf
        bos, eos = self._token_text(llm.token_bos()), self._token_text(llm.token_eos())
        choice = choose_template(info.chat_template, self._family, name, info.vocabulary_size)
        try:
            self._template = build_template(choice, bos, eos)
        except TemplateError as exc:  # the model's own template does not even compile
            message = unrenderable_message(self.model.name, str(exc), self._family, "does not compile")
            raise TemplateError(message) from exc
        if name is None and choice.source.startswith("known-good"):
            known = choice.source.removeprefix("known-good: ")
            log.warning("The model has no chat template; using the known-good %s template of its family", known)
        facts = describe_model(info, template=name, family=self._family)
        self.model = replace(self.model, template_source=self._template.source, facts=facts)
        return self.model

    def unload(self) -> None:
        if self._llm is not None:
            self._abort = None
            if self.adapters is not None:
                self.adapters.close()  # before the model they belong to is freed
            self.adapters = None
            self._llm.close()
        self._llm = self._gguf = self._template = self._family = self.model = None
        self._stop_ids, self._special_text = frozenset(), False
        self._cache.clear()

    def _token_text(self, token: int) -> str:
        if token < 0 or self._llm is None:
            return ""
        return self._llm._model.token_get_text(token)

    def _control_tokens(self, texts: Sequence[str]) -> list[int]:
        """Ids of those `texts` that are single control tokens of the loaded model."""
        assert self._llm is not None
        ids = []
        for text in texts:
            tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=True)
            if len(tokens) == 1 and self._llm._model.token_get_attr(tokens[0]) & llama_cpp.LLAMA_TOKEN_ATTR_CONTROL:
                ids.append(tokens[0])
        return ids

    def _require(self) -> tuple[llama_cpp.Llama, ChatTemplate]:
        if self._llm is None or self._template is None:
            raise EngineStateError("No model is loaded.")
        return self._llm, self._template

    @property
    def llama(self) -> llama_cpp.Llama:
        """The loaded llama.cpp model, for tools that need its tokenizer (template doctor, bench)."""
        return self._require()[0]

    @property
    def template(self) -> ChatTemplate:
        return self._require()[1]

    @property
    def family(self) -> Family | None:
        return self._family

    # -- prompts -------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        llm, template = self._require()
        # When the template writes the BOS token itself, llama.cpp must not add a second one.
        add_bos = not (template.bos_token and text.startswith(template.bos_token))
        return llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True)

    def render_details(
        self, messages: Sequence[Message], thinking: bool | None = None, add_generation_prompt: bool = True
    ) -> Rendered:
        """The prompt text with the adaptations it took (system folded, turns merged).
        Raises TemplateError naming the model when the template cannot render it at all."""
        _llm, template = self._require()
        # Only the answer goes back, as each family's official template keeps it: DeepSeek keeps the
        # "\n\n" after </think>, Qwen 3 (and GPT-OSS, whose analysis became <think>) drops it.
        trim = self._family is not None and self._family.reasoning in ("think", "harmony")
        history = [
            {**m, "content": _answer_only(m["content"], trim)} if m.get("role") == "assistant" and "content" in m else m
            for m in messages
        ]
        name = self.model.name if self.model else "this model"
        rendered = render_adapted(
            template, history, model_name=name, family=self._family,
            add_generation_prompt=add_generation_prompt, thinking=thinking,
        )
        if rendered.adaptations and rendered.adaptations not in self._adaptations_logged:
            self._adaptations_logged.add(rendered.adaptations)
            log.info("%s: %s", name, " ".join(rendered.adaptations))
        return rendered

    def render(self, messages: Sequence[Message], thinking: bool | None = None) -> str:
        return self.render_details(messages, thinking).text

    def prepare_prompt(
        self, messages: Sequence[Message], max_tokens: int | None = None, thinking: bool | None = None
    ) -> FittedPrompt:
        """The prompt this conversation renders to, trimmed to leave room for the answer.
        `thinking` switches reasoning on or off where the template supports it (None: its default)."""
        llm, _template = self._require()
        n_ctx = llm.n_ctx()
        reserve = min(max_tokens or DEFAULT_ANSWER_RESERVE, n_ctx // 4)
        return fit_to_context(messages, lambda m: self.render(m, thinking), self.tokenize, n_ctx, reserve)

    def use_adapters(self, adapters: Sequence[AdapterChoice]) -> None:
        """Answer with these LoRA adapters from now on (models.engine.lora). The base model stays
        loaded; prompts evaluated with other adapters are not reused."""
        llm, _template = self._require()
        assert self.adapters is not None
        if self.adapters.apply(adapters):
            self._cache.clear()
            llm.reset()

    def _shaper(self, prompt: str) -> Shaper | None:
        """What turns this model's output into the app's `<think>…</think>answer` form."""
        if self._family is not None and self._family.reasoning == "harmony":
            return HarmonyStream()
        if opening := opened_in_prompt(prompt):
            return PromptOpenedThinking(opening)
        return None

    # -- generation ----------------------------------------------------------------------

    def chat(
        self,
        messages: Sequence[Message],
        params: SamplingParams | None = None,
        on_text: Callable[[str], None] = lambda _text: None,
        cancel: CancelToken | None = None,
        thinking: bool | None = None,
        adapters: Sequence[AdapterChoice] = (),
    ) -> GenerationStats:
        """Stream the answer to `messages` into `on_text`; return how it went. Reasoning arrives
        as a leading `<think>…</think>` block, whatever the family's own markup. `adapters`: the
        LoRA adapters to answer with (none: the base model alone)."""
        params = params or SamplingParams()
        _llm, template = self._require()
        started = time.perf_counter()
        self.use_adapters(adapters)
        prompt = self.prepare_prompt(messages, params.max_tokens, thinking)
        stops = (*template.stop_strings, *params.stop)
        return self._generate(prompt, params, on_text, cancel, stops, self._shaper(prompt.text), True, started)

    def complete(
        self,
        text: str,
        params: SamplingParams | None = None,
        on_text: Callable[[str], None] = lambda _text: None,
        cancel: CancelToken | None = None,
    ) -> GenerationStats:
        """Continue `text` as it is, without the chat template (the API's plain completions):
        no reasoning shaping, only the caller's stop strings, and the continuation's leading
        space kept. Raises ContextOverflowError when `text` leaves no room to answer."""
        params = params or SamplingParams()
        self._require()
        started = time.perf_counter()
        self.use_adapters(())  # the API's completions answer with the base model
        tokens = self.tokenize(text)
        if len(tokens) >= self.llama.n_ctx():
            raise ContextOverflowError(
                f"The prompt is {len(tokens)} tokens; this model's context holds {self.llama.n_ctx()}."
            )
        prompt = FittedPrompt((), text, tuple(tokens), 0)
        return self._generate(prompt, params, on_text, cancel, params.stop, None, False, started)

    def _generate(
        self,
        prompt: FittedPrompt,
        params: SamplingParams,
        on_text: Callable[[str], None],
        cancel: CancelToken | None,
        stop_strings: Sequence[str],
        shaper: Shaper | None,
        strip_leading_space: bool,
        started: float,
    ) -> GenerationStats:
        cancel = cancel or CancelToken()
        llm, _template = self._require()
        assert self._abort is not None
        tokens = list(prompt.tokens)
        reused = self._cache.prepare(llm, tokens)
        room = llm.n_ctx() - len(tokens)
        limit = min(params.max_tokens, room) if params.max_tokens else room
        llm.set_seed(params.seed if params.seed is not None else llama_cpp.LLAMA_DEFAULT_SEED)
        llama_cpp.llama_perf_context_reset(llm.ctx)

        pieces, stops = Pieces(llm, self._special_text, strip_leading_space), StopStrings(stop_strings)
        emit = shaped(on_text, shaper)
        vocab, stop_ids = llm._model.vocab, self._stop_ids
        generated, first_token_at = 0, 0.0
        reason: StopReason = "length" if params.max_tokens and params.max_tokens <= room else "context"
        stream = llm.generate(
            tokens,
            temp=params.temperature,
            top_p=params.top_p,
            top_k=params.top_k,
            min_p=params.min_p,
            repeat_penalty=params.repeat_penalty,
            presence_penalty=params.presence_penalty,
            frequency_penalty=params.frequency_penalty,
        )
        self._abort.arm(cancel)
        try:
            for token in stream:
                if not first_token_at:
                    first_token_at = time.perf_counter()
                    self._abort.disarm()
                if cancel.cancelled:
                    reason = "cancelled"
                    break
                if llama_cpp.llama_vocab_is_eog(vocab, token) or token in stop_ids:
                    reason = "stop"
                    break
                generated += 1
                text = stops.feed(pieces.text(token))
                if text:
                    emit(text)
                if stops.hit:
                    reason = "stop"
                    break
                if generated >= limit:
                    break
        except RuntimeError as exc:
            if not cancel.cancelled:
                raise HearthModelError(f"llama.cpp failed while generating: {exc}") from exc
            reason = "cancelled"  # llama_decode returned "aborted" mid-prompt
        finally:
            stream.close()
            self._abort.disarm()
        tail = stops.feed(pieces.flush()) + ("" if stops.hit else stops.flush())
        if shaper is not None:
            tail = shaper.feed(tail) + shaper.flush()
        if tail and reason != "cancelled":
            on_text(tail)
        return self._stats(llm, prompt, reused, generated, started, first_token_at, reason)

    def _stats(
        self,
        llm: llama_cpp.Llama,
        prompt: FittedPrompt,
        reused: int,
        generated: int,
        started: float,
        first_token_at: float,
        reason: StopReason,
    ) -> GenerationStats:
        finished = time.perf_counter()
        perf = llama_cpp.llama_perf_context(llm.ctx)
        prompt_tps = perf.n_p_eval / (perf.t_p_eval_ms / 1000) if perf.t_p_eval_ms > 0 else 0.0
        # Wall clock from the first token to the last: the rate the user sees, Python included.
        gen_seconds = finished - first_token_at if first_token_at else 0.0
        gen_tps = (generated - 1) / gen_seconds if generated > 1 and gen_seconds > 0 else 0.0
        n_prompt = len(prompt.tokens)
        # llama-cpp-python re-evaluates the last prompt token even on a full cache hit.
        evaluated = max(0, min(llm.n_tokens, n_prompt) - min(reused, n_prompt - 1))
        return GenerationStats(
            prompt_tokens=n_prompt,
            evaluated_prompt_tokens=evaluated,
            generated_tokens=generated,
            time_to_first_token_s=(first_token_at - started) if first_token_at else 0.0,
            prompt_tokens_per_s=prompt_tps,
            generation_tokens_per_s=gen_tps,
            total_s=finished - started,
            stop_reason=reason,
            dropped_messages=prompt.dropped,
        )
