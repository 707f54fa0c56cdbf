"""The in-process llama.cpp engine: load a GGUF, stream chat answers, cancel them.

An `Engine` is not thread-safe (llama.cpp contexts are not): one thread uses it. The app
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

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from models.cancel import CancelToken
from models.engine import cpu_kernels, crash_guard, hardware, llama_log, prompt_lookup
from models.engine.answer_stats import answer_stats
from models.engine.context_window import FittedPrompt, fit_to_context
from models.engine.decode import Cancelled, DecodeError, Decoder, Sampler
from models.engine.loading import LoadPlan
from models.engine.lora import AdapterChoice, LoadedAdapters
from models.engine.native_model import NativeModel
from models.engine.output import Pieces, Shaper, StopStrings, shaped
from models.engine.prefix_cache import PrefixCache
from models.engine.prompt_lookup import PromptLookup
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
def _answer_only(content: str, trim_leading_newlines: bool) -> str:
    answer = strip_reasoning(content)
    return answer.lstrip("\n") if trim_leading_newlines else answer


class Engine:
    def __init__(self, settings: EngineSettings | None = None, guard: crash_guard.StepMarker | None = None) -> None:
        self.settings = settings or EngineSettings()
        # Where loads and answers are recorded while they run, so that the next start knows
        # which one crashed (models.engine.crash_guard); None: not recorded.
        self.guard = guard
        self._native: NativeModel | None = None
        self._decoder: Decoder | None = None
        self._gguf: GGUFInfo | None = None
        self._template: ChatTemplate | None = None
        self._family: Family | None = None
        self._stop_ids: frozenset[int] = frozenset()
        self._special_text = False  # decode control tokens as text (GPT-OSS, control <think> tokens)
        self._adaptations_logged: set[tuple[str, ...]] = set()
        self._cache = PrefixCache(self.settings.prefix_cache_bytes)
        self._lookup_exact: bool | None = None  # None: not probed yet (models.engine.prompt_lookup)
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
        load = LoadPlan(info.path, settings, n_ctx, threads, gpu_layers, flash_attention, extra_buffers)
        with load.marker(self.guard), llama_log.capture() as lines:
            crash_guard.crash_if_asked("load")
            native, decoder = load.open(lines)
        offloaded = llama_log.offloaded_layers(lines)
        self._native, self._decoder, self._gguf = native, decoder, info
        self.adapters = LoadedAdapters(native.ptr, decoder.ctx, info)
        self._family = family_of(info)
        self._stop_ids = frozenset(native.control_tokens(self._family.stop_tokens if self._family else ()))
        self._special_text = (self._family is not None and self._family.reasoning == "harmony") or bool(
            native.control_tokens((OPEN, CLOSE))
        )
        self.model = ModelInfo(
            path=info.path,
            name=info.path.stem,
            architecture=info.architecture,
            file_size=info.file_size,
            parameter_count=info.parameter_count,
            context_length=decoder.n_ctx,
            trained_context=info.context_length,
            threads=threads,
            gpu_layers=offloaded,
            flash_attention=flash_attention,
            layer_count=info.block_count,
            backend=hardware.backend_summary(offloaded),
            memory_by_device=llama_log.memory_by_device(lines),
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

    def set_template(self, name: str | None) -> ModelInfo:
        """Render with the known-good template `name`, or with the model's own again (None).
        Raises TemplateError for an unknown name, or when the model's own template does not
        compile (at load, the model is then unloaded: load it again with a known-good template)."""
        if self._native is None or self._gguf is None or self.model is None:
            raise EngineStateError("No model is loaded.")
        native, info = self._native, self._gguf
        bos, eos = native.token_text(native.bos), native.token_text(native.eos)
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
        if self.adapters is not None:
            self.adapters.close()  # before the model they belong to is freed
        self.adapters = None
        if self._decoder is not None:
            self._decoder.close()
        if self._native is not None:
            self._native.close()
        self._native = self._decoder = None
        self._gguf = self._template = self._family = self.model = None
        self._stop_ids, self._special_text, self._lookup_exact = frozenset(), False, None
        self._cache.clear()

    def _require(self) -> tuple[NativeModel, Decoder, ChatTemplate]:
        if self._native is None or self._decoder is None or self._template is None:
            raise EngineStateError("No model is loaded.")
        return self._native, self._decoder, self._template

    # What other engine modules build on (LoRA adapters, the template doctor, the bench).

    @property
    def vocabulary(self) -> NativeModel:
        """The loaded model's tokenizer and token attributes."""
        return self._require()[0]

    @property
    def decoder(self) -> Decoder:
        """The context and its decode loop (threads, the KV cache, llama.cpp's counters)."""
        return self._require()[1]

    @property
    def model_ptr(self) -> int:
        """The loaded `llama_model *`, for llama.cpp calls on the model (e.g. loading a LoRA)."""
        return int(self._require()[0].ptr)

    @property
    def context_ptr(self) -> int:
        """The `llama_context *` answers are generated on (e.g. to attach a LoRA adapter)."""
        return int(self._require()[1].ctx)

    def forget_evaluated(self) -> None:
        """Drop every evaluated prompt (the context's and the saved ones): call it after
        anything that changes what the model computes, such as attaching a LoRA adapter."""
        self._require()[1].clear()
        self._cache.clear()

    @property
    def template(self) -> ChatTemplate:
        return self._require()[2]

    @property
    def family(self) -> Family | None:
        return self._family

    # -- prompts -------------------------------------------------------------------------

    def tokenize(self, text: str) -> list[int]:
        native, _decoder, template = self._require()
        # When the template writes the BOS token itself, llama.cpp must not add a second one.
        add_bos = not (template.bos_token and text.startswith(template.bos_token))
        return native.tokenize(text, add_special=add_bos, parse_special=True)

    def render_details(
        self, messages: Sequence[Message], thinking: bool | None = None, add_generation_prompt: bool = True
    ) -> Rendered:
        """The prompt text with the adaptations it took (system folded, turns merged).
        Raises TemplateError naming the model when the template cannot render it at all."""
        template = self._require()[2]
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
        n_ctx = self._require()[1].n_ctx
        reserve = min(max_tokens or DEFAULT_ANSWER_RESERVE, n_ctx // 4)
        return fit_to_context(messages, lambda m: self.render(m, thinking), self.tokenize, n_ctx, reserve)

    def use_adapters(self, adapters: Sequence[AdapterChoice]) -> None:
        """Answer with these LoRA adapters from now on (models.engine.lora). The base model stays
        loaded; prompts evaluated with other adapters are not reused."""
        self._require()
        assert self.adapters is not None
        if self.adapters.apply(adapters):
            self.forget_evaluated()

    def _shaper(self, prompt: str) -> Shaper | None:
        """What turns this model's output into the app's `<think>…</think>answer` form."""
        if self._family is not None and self._family.reasoning == "harmony":
            return HarmonyStream()
        if opening := opened_in_prompt(prompt):
            return PromptOpenedThinking(opening)
        return None

    # -- generation ----------------------------------------------------------------------

    def _prompt_lookup(self, prompt: FittedPrompt, quotes_sources: bool | None) -> PromptLookup | None:
        """Prompt-lookup decoding for this answer where it is exact (models.engine.prompt_lookup),
        on one generation thread then; by default only for answers that quote their prompt."""
        decoder, settings = self.decoder, self.settings
        newest = prompt.messages[-1].get("content", "") if prompt.messages else ""
        if not prompt_lookup.wanted(settings.prompt_lookup, quotes_sources, lambda: len(self.tokenize(newest))):
            return None
        if self._lookup_exact is None:
            self._cache.prepare(decoder, ())  # the probe evaluates a few tokens: keep what is held
            self._lookup_exact = prompt_lookup.exact_here(decoder)
        if not self._lookup_exact:
            return None
        decoder.set_threads(1, decoder.options.n_threads_batch)
        return PromptLookup()

    def chat(
        self,
        messages: Sequence[Message],
        params: SamplingParams | None = None,
        on_text: Callable[[str], None] = lambda _text: None,
        cancel: CancelToken | None = None,
        thinking: bool | None = None,
        adapters: Sequence[AdapterChoice] = (),
        quotes_sources: bool | None = None,
    ) -> GenerationStats:
        """Stream the answer to `messages` into `on_text`; return how it went. Reasoning arrives
        as a leading `<think>…</think>` block, whatever the family's own markup. `quotes_sources`
        says the answer will quote its prompt (documents, code to edit): prompt lookup pays
        there (None: decided from the prompt, see `_prompt_lookup`). `adapters`: the LoRA
        adapters to answer with (none: the base model alone)."""
        params = params or SamplingParams()
        template = self._require()[2]
        started = time.perf_counter()
        self.use_adapters(adapters)
        prompt = self.prepare_prompt(messages, params.max_tokens, thinking)
        lookup = self._prompt_lookup(prompt, quotes_sources)
        stops = (*template.stop_strings, *params.stop)
        return self._generate(prompt, params, on_text, cancel, stops, self._shaper(prompt.text), True, started, lookup)

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
        n_ctx = self._require()[1].n_ctx
        started = time.perf_counter()
        self.use_adapters(())  # the API's completions answer with the base model
        tokens = self.tokenize(text)
        if len(tokens) >= n_ctx:
            raise ContextOverflowError(f"The prompt is {len(tokens)} tokens; this model's context holds {n_ctx}.")
        prompt = FittedPrompt((), text, tuple(tokens), 0)
        return self._generate(prompt, params, on_text, cancel, params.stop, None, False, started, None)

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
        lookup: PromptLookup | None,
    ) -> GenerationStats:
        cancel = cancel or CancelToken()
        native, decoder, _template = self._require()
        tokens = list(prompt.tokens)
        self._cache.prepare(decoder, tokens)
        room = decoder.n_ctx - len(tokens)
        limit = min(params.max_tokens, room) if params.max_tokens else room

        pieces, stops = Pieces(native, self._special_text, strip_leading_space), StopStrings(stop_strings)
        emit = shaped(on_text, shaper)
        is_eog, stop_ids = native.is_eog, self._stop_ids
        generated, first_token_at = 0, 0.0
        reason: StopReason = "length" if params.max_tokens and params.max_tokens <= room else "context"
        sampler = Sampler(params, native.n_vocab)
        stream = decoder.generate(tokens, sampler, limit, cancel, lookup)
        try:
            for token in stream:
                if not first_token_at:
                    first_token_at = time.perf_counter()
                if cancel.cancelled:
                    reason = "cancelled"
                    break
                if is_eog(token) or token in stop_ids:
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
            else:  # the decoder ends a stream early only when cancelled
                reason = "cancelled" if cancel.cancelled else reason
        except Cancelled:
            reason = "cancelled"  # during the prompt
        except DecodeError as exc:
            raise HearthModelError(f"llama.cpp failed while generating: {exc}") from exc
        finally:
            stream.close()
            sampler.close()
            if lookup is not None:
                decoder.set_threads(decoder.options.n_threads, decoder.options.n_threads_batch)
        tail = stops.feed(pieces.flush()) + ("" if stops.hit else stops.flush())
        if shaper is not None:
            tail = shaper.feed(tail) + shaper.flush()
        if tail and reason != "cancelled":
            on_text(tail)
        return answer_stats(decoder.stats, prompt, generated, started, first_token_at, reason)
