"""The sandbox chat templates render in: Jinja's immutable sandbox, plus a budget.

A chat template is code from a model file. Jinja's sandbox stops it from reaching Python's
internals, but not from taking all the time or memory there is: `{{ '{0:>10000000000}'.format(x) }}`
allocates 10 GB, nested `range(99999)` loops run for hours, `lipsum(10**7)` writes megabytes of
Latin. Every render therefore gets a budget (`RenderBudget`):

- time: `RENDER_SECONDS` of wall clock and `MAX_OPERATIONS` steps, counted at every loop
  iteration (each `{% for %}`'s iterable is wrapped), call, attribute access, operator and
  output;
- size: no string or list made by an operator (`*`, `+`, `~`), a call or a filter beyond
  `MAX_TEXT` characters or items, checked before it is made (a width, a repeat count, a
  padding); everything written, the template's own text included and inside `{% set %}` blocks
  and macros too, at most `MAX_TEXT` characters all together (counted in `finalize`: the
  template's literal text is turned into expressions so that it passes there as well);
- format widths and precisions (`str.format`, `%`, the `format` filter) of at most `MAX_WIDTH`;
- no `lipsum` (no chat template needs it).

Going over any of them raises `BudgetExceeded`, a `SecurityError` with a plain reason; the
caller (models.families.chat_template) reports it like any template failure.
"""

from __future__ import annotations

import re
import string
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from typing import Any

from jinja2 import nodes, pass_context
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

RENDER_SECONDS = 3.0
MAX_OPERATIONS = 5_000_000
MAX_TEXT = 8 * 1024 * 1024  # characters (or items); a 1M-token context is about 4M characters
MAX_WIDTH = 10_000  # a format width or precision
_CHECK_EVERY = 256  # operations between two looks at the clock
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\d+|\*)?(?:\.(\d+|\*))?")
_SIZED_FILTERS = ("indent", "replace", "format", "tojson", "join")


class BudgetExceeded(SecurityError):
    """A template asked for more time or memory than a prompt can need."""


class RenderBudget:
    """One render's allowance; installed for the current thread by `ChatTemplate.render`."""

    def __init__(self, seconds: float = RENDER_SECONDS) -> None:
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds
        self.operations = 0
        self.written = 0


_active = threading.local()


def active_budget() -> RenderBudget | None:
    budget: RenderBudget | None = getattr(_active, "budget", None)
    return budget


class budget_for_render:
    def __init__(self, budget: RenderBudget) -> None:
        self.budget = budget

    def __enter__(self) -> RenderBudget:
        self.previous = active_budget()
        _active.budget = self.budget
        return self.budget

    def __exit__(self, *_exc: object) -> None:
        _active.budget = self.previous


def tick() -> None:
    budget = active_budget()
    if budget is None:
        return
    budget.operations += 1
    if budget.operations % _CHECK_EVERY == 0:
        if time.monotonic() > budget.deadline:
            raise BudgetExceeded(f"rendering took longer than {budget.seconds:g} seconds")
        if budget.operations > MAX_OPERATIONS:
            raise BudgetExceeded(f"rendering took more than {MAX_OPERATIONS:,} steps")


def _require(size: int, what: str) -> None:
    if size > MAX_TEXT:
        raise BudgetExceeded(f"{what} would hold {size:,} characters or items (at most {MAX_TEXT:,})")


def _check_ints(args: Iterable[Any], what: str, limit: int = MAX_TEXT) -> None:
    for value in args:
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limit:
            raise BudgetExceeded(f"{what} was given the number {value:.3g}, far beyond any prompt")


def _check_format(template: str, args: Iterable[Any] = ()) -> None:
    """Widths and precisions in a `str.format` string; a width taken from the arguments
    (`{:{}}`) makes every number argument a possible width."""
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return  # Python raises the same error when it formats
    for _literal, _name, spec, _conversion in fields:
        if spec:
            for number in re.findall(r"\d+", spec):
                if int(number) > MAX_WIDTH:
                    raise BudgetExceeded(f"a format width of {number} is far beyond any prompt")
            if "{" in spec:
                _check_ints(args, "a format width", MAX_WIDTH)


def _check_printf(template: str, args: Any = ()) -> None:
    for width, precision in _PRINTF_SPEC.findall(template):
        for number in (width, precision):
            if number.isdigit() and int(number) > MAX_WIDTH:
                raise BudgetExceeded(f"a format width of {number} is far beyond any prompt")
            if number == "*":
                _check_ints(args if isinstance(args, tuple) else (args,), "a format width", MAX_WIDTH)


def _length(value: Any) -> int:
    return len(value) if isinstance(value, Sized) and not isinstance(value, dict) else 0


def _replaced_size(text: str, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    found = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * max(0, len(new) - len(old))


def _check_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Sizes a `str` method would produce, worked out before it runs."""
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    if not isinstance(owner, str):
        return
    if name in ("ljust", "rjust", "center", "zfill") and args and isinstance(args[0], int):
        _require(args[0], f"str.{name}")
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        if isinstance(size, int):
            _require(len(owner) + owner.count("\t") * size, "str.expandtabs")
    elif name == "replace" and len(args) >= 2:
        _require(_replaced_size(owner, *args[:3]), "str.replace")
    elif name == "join" and args and isinstance(args[0], list | tuple):
        parts = args[0]
        _require(sum(_length(p) for p in parts) + len(owner) * max(0, len(parts) - 1), "str.join")


def _check_filter(name: str, value: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    if name == "indent" and isinstance(value, str):
        width = args[0] if args else kwargs.get("width", 4)
        unit = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _require(len(value) + unit * (value.count("\n") + 1), "the indent filter")
    elif name == "replace" and isinstance(value, str) and len(args) >= 2:
        _require(_replaced_size(value, *args[:3]), "the replace filter")
    elif name == "join" and isinstance(value, list | tuple):
        separator = args[0] if args else kwargs.get("d", "")
        total = _length(separator) * len(value)
        for item in value:  # stops at the first item past the limit
            total += _length(item) if isinstance(item, str) else 1
            _require(total, "the join filter")
    elif name == "format" and isinstance(value, str):
        _check_printf(value, args)
    elif name == "tojson":
        indent = args[0] if args else kwargs.get("indent")
        if isinstance(indent, int) and indent > 64:
            raise BudgetExceeded(f"a JSON indent of {indent} is far beyond any prompt")


def _budgeted_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        tick()
        value_at = 1 if getattr(function, "jinja_pass_arg", None) is not None else 0
        if len(args) > value_at:  # the filtered value itself may be any number; its arguments not
            _check_ints(list(args[value_at + 1 :]) + list(kwargs.values()), f"the {name} filter")
            if name in _SIZED_FILTERS:
                _check_filter(name, args[value_at], args[value_at + 1 :], kwargs)
        return function(*args, **kwargs)

    for attribute in ("jinja_pass_arg",):  # pass_context / pass_environment markers
        if hasattr(function, attribute):
            setattr(wrapper, attribute, getattr(function, attribute))
    return wrapper


# The three filters Hearth's rewrite of a template calls (`_Budgeting`). pass_context keeps
# Jinja from evaluating them at compile time (it folds constants), so they run at render time.
@pass_context
def _budgeted_iter(_context: Any, iterable: Any) -> Iterator[Any]:
    for item in iterable:
        tick()
        yield item


@pass_context
def _checked_concat(_context: Any, parts: list[Any]) -> str:
    texts = [str(part) for part in parts]
    _require(sum(len(text) for text in texts), "a joined string (~)")
    return "".join(texts)


@pass_context
def _template_text(_context: Any, text: str) -> str:
    return text  # counted by finalize, like any other output


class _Budgeting(NodeTransformer):
    """Every loop iterates through `_budgeted_iter`, every `~` joins through `_checked_concat`,
    and the template's own text is written as an expression (so `finalize` counts it)."""

    @staticmethod
    def _filter(node: nodes.Node, name: str) -> nodes.Filter:
        return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)
        node.iter = self._filter(node.iter, "hearth_budgeted_iter")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        return self._filter(nodes.List(node.nodes, lineno=node.lineno), "hearth_checked_concat")

    def visit_Output(self, node: nodes.Output) -> nodes.Output:
        self.generic_visit(node)
        node.nodes = [
            self._filter(nodes.Const(child.data, lineno=child.lineno), "hearth_template_text")
            if isinstance(child, nodes.TemplateData) else child
            for child in node.nodes
        ]
        return node


class BudgetedSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, filters: dict[str, Callable[..., Any]] | None = None, **options: Any) -> None:
        super().__init__(finalize=self._count_output, **options)
        self.globals.pop("lipsum", None)
        self.filters.update(filters or {})
        for name, function in list(self.filters.items()):
            self.filters[name] = _budgeted_filter(name, function)
        self.filters.update(
            hearth_budgeted_iter=_budgeted_iter, hearth_checked_concat=_checked_concat,
            hearth_template_text=_template_text,
        )

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        template = _Budgeting().visit(super()._parse(source, name, filename))
        assert isinstance(template, nodes.Template)
        return template

    @staticmethod
    def _count_output(value: Any) -> Any:
        budget = active_budget()
        if budget is not None:
            tick()
            budget.written += _length(value) if isinstance(value, str) else 1
            if budget.written > MAX_TEXT:
                raise BudgetExceeded(f"the prompt grew past {MAX_TEXT:,} characters")
        return value

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        tick()
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                if isinstance(times, int) and not isinstance(times, bool) and isinstance(sequence, str | list | tuple):
                    _require(len(sequence) * times, "a repeated string or list")
        elif operator == "+" and isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
            _require(len(left) + len(right), "a joined string or list")
        elif operator == "**" and isinstance(left, int | float) and isinstance(right, int | float):
            if abs(right) > 1024 and abs(left) > 1:
                raise BudgetExceeded(f"the power {left!r} ** {right!r} is far beyond any prompt")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        tick()
        _check_method(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            _check_format(template, list(args) + list(kwargs.values()))
            return wrapped(*args, **kwargs)

        return checked
