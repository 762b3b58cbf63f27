"""The one Jinja environment for everything rendered: sandboxed, strict, user templates first."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csw.core import locale_formats as written
from csw.core.errors import CswError
from csw.core.resources import builtin_dir

if TYPE_CHECKING:
    from jinja2 import BytecodeCache, FileSystemLoader
    from jinja2.runtime import Context
    from jinja2.sandbox import SandboxedEnvironment

# What one expression may build: enough for any real agenda or message, small enough that a
# template cannot take the machine's memory or minutes of CPU with one `'x' * 10**12`.
MAX_ITEMS = 1_000_000  # characters of a string, items of a list
MAX_BITS = 10_000  # of an integer: about 3,000 digits
MAX_PARAGRAPHS, MAX_WORDS = 100, 1_000  # of lipsum()
# Whether the render under way Markdown-escapes what templates output (templates they include too).
_ESCAPING_MARKDOWN: ContextVar[bool] = ContextVar("csw_escaping_markdown", default=False)


class TemplateError(CswError):
    """A template cannot be loaded or rendered; the message names the template and line."""


# The filters that write a date, a time or an amount, in the locale of the plan being rendered
# (its `organization`, which every built-in context has): the same templates serve every locale.


def _locale(context: Context) -> str:
    return str(getattr(context.get("organization"), "locale", written.DEFAULT_LOCALE))


def _in_locale(write: Callable[[Any, str], str]) -> Callable[[Context, Any], str]:
    """A filter that writes its value as `write` does in the rendered plan's locale: long_date
    (Monday, October 6), full_date (with the year), weekday, day_month (October 6), short_date
    (Mon, Oct 6), clock ('14:30' as 2:30 PM) and when (an ISO date or date-time)."""

    def in_locale(context: Context, value: Any) -> str:
        return write(value, _locale(context))

    return in_locale


def _money(context: Context, amount: float, currency: str | None = None) -> str:
    """An amount in `currency` (by default the team's): $1,780 (en_US), 1.780 € (de_DE, EUR)."""
    return written.money(amount, currency or str(context.get("currency", "USD")), _locale(context))


def _range_start(context: Context, first: Any, last: Any) -> str:
    """The first day of a range written up to `last` with full_date (locale_formats.range_start)."""
    return written.range_start(first, last, _locale(context))


_FILTERS: dict[str, Callable[..., str]] = {
    **{
        write.__name__: _in_locale(write)
        for write in (
            written.long_date,
            written.full_date,
            written.weekday,
            written.day_month,
            written.short_date,
            written.clock,
            written.when,
            written.zone_name,
            written.and_list,
        )
    },
    "money": _money,
    "range_start": _range_start,
}


def environment(user_dir: Path | None = None) -> SandboxedEnvironment:
    """Templates from the user's folder first, then the built-in ones; HTML autoescaped.

    The sandbox is immutable: a template cannot change the plan's lists and dicts (for the exports
    rendered after it). In a Markdown template every value is Markdown-escaped (see `render`).
    """
    from jinja2 import ChoiceLoader, StrictUndefined, pass_context

    folders = [builtin_dir("templates")]
    if user_dir is not None:
        if not user_dir.is_dir():
            raise TemplateError(
                f"{user_dir}: no such template folder.", hint="Check --templates or templates.path."
            )
        folders.insert(0, user_dir)
    sandbox, loader = _classes()
    env = sandbox(
        loader=ChoiceLoader([loader(str(folder)) for folder in folders]),
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name) and ".html" in str(name),
        # pass_context: Jinja then cannot fold {{ "*" }} at compile time, when no render is under way
        finalize=pass_context(_finalize),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_compiled_templates(),
    )
    env.filters.update({name: pass_context(write) for name, write in _FILTERS.items()})
    env.globals.update(range=_range, lipsum=_bounded_lipsum)
    return env


@cache
def _compiled_templates() -> BytecodeCache | None:
    """Compiled templates kept in csw's cache (csw/core/cache.py): compiling the agenda and the poster
    was a fifth of `csw plan`'s time. Jinja checks each entry against the template's source; the
    folder's name changes with csw and with this module, since the environment's settings above
    shape the compiled code and Jinja does not know them."""
    from jinja2 import FileSystemBytecodeCache
    from jinja2.bccache import Bucket

    from csw.core import cache

    class ForgivingCache(FileSystemBytecodeCache):
        """A cache entry that cannot be read (cut short, damaged) or written only means compiling."""

        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # Jinja's own reader raises on a damaged entry: compile again
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            with suppress(OSError):
                super().dump_bytecode(bucket)

    folder = cache.folder("templates-" + cache.digest(cache.code_stamp(__file__))[:16])
    return ForgivingCache(str(folder)) if folder else None


class _TooBig(OverflowError):
    """What a template asked to build is past the bounds above; the message says which."""


@cache
def _classes() -> tuple[type[SandboxedEnvironment], type[FileSystemLoader]]:
    """The sandbox and the loader, made on first use: importing Jinja costs every command time."""
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedEnvironment, _mutable_spec

    mutating = frozenset().union(*(names for _, names in _mutable_spec))  # clear, append, update...

    class Sandbox(ImmutableSandboxedEnvironment):
        """Bounds what `*` and `**` build too; Jinja's sandbox bounds only range()."""

        intercepted_binops = frozenset({"*", "**"})

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.safe: dict[tuple[type, str], bool] = {}

        def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
            # Jinja's answer depends on the object's type and the name alone (the name's
            # underscores, the function, method, frame and mutable-collection types), and a week of
            # emails asks it millions of times: each answer is kept, by type and name.
            key = (type(obj), attr)
            safe = self.safe.get(key)
            if safe is None:
                safe = self.safe[key] = self._is_safe(obj, attr, value)
            return safe

        def _is_safe(self, obj: Any, attr: str, value: Any) -> bool:
            # The immutable check tests the object against the mutable collection ABCs, slowly;
            # only the names of mutating methods need it.
            if attr in mutating:
                return bool(super().is_safe_attribute(obj, attr, value))
            return bool(SandboxedEnvironment.is_safe_attribute(self, obj, attr, value))

        def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
            _check_size(operator, left, right)
            return super().call_binop(context, operator, left, right)

    class Utf8Loader(FileSystemLoader):
        """An undecodable file is a TemplateError naming the file and line, not a UnicodeDecodeError."""

        def get_source(self, environment: Any, template: str) -> Any:
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError as error:
                path = Path(self.searchpath[0], *template.split("/"))
                line = error.object[: error.start].count(b"\n") + 1
                raise TemplateError(
                    f"{path}:{line}: not UTF-8 text (byte 0x{error.object[error.start]:02x}).",
                    hint="Save the template as UTF-8.",
                ) from None

    return Sandbox, Utf8Loader


def _check_size(operator: str, left: Any, right: Any) -> None:
    """Refuse, before Python tries, a repetition or a number too big to be meant."""
    numbers = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and numbers and right > 0 and (left.bit_length() - 1) * right > MAX_BITS:
        raise _TooBig(f"'**' would make a number of more than {MAX_BITS:,} bits")
    if operator != "*":
        return
    if numbers and left.bit_length() + right.bit_length() > MAX_BITS:
        raise _TooBig(f"'*' would make a number of more than {MAX_BITS:,} bits")
    sequence, times = (right, left) if isinstance(left, int) else (left, right)
    if isinstance(sequence, str | list | tuple) and isinstance(times, int):
        size = len(sequence) * times
        if size > MAX_ITEMS:
            raise _TooBig(f"'*' would make {size:,} items; at most {MAX_ITEMS:,}")


def _range(*args: int) -> range:
    """range(), bounded as Jinja's sandbox bounds it, with a message a template's author can read."""
    from jinja2.sandbox import MAX_RANGE

    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise _TooBig(f"range() would make {len(numbers):,} numbers; at most {MAX_RANGE:,}")
    return numbers


def _bounded_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> Any:
    """Jinja's lipsum(), bounded: lipsum(10**7) would render for hours."""
    from jinja2.utils import generate_lorem_ipsum

    if n > MAX_PARAGRAPHS or max > MAX_WORDS:
        raise _TooBig(f"lipsum() makes at most {MAX_PARAGRAPHS} paragraphs of {MAX_WORDS:,} words")
    return generate_lorem_ipsum(n, html, min, max)


def _finalize(_context: Context, value: Any) -> Any:
    """Every value a template outputs: Markdown-escaped when the render asks for it."""
    # Markup (`| safe`) is text the template vouches for: Markdown it means as Markdown.
    if _ESCAPING_MARKDOWN.get() and not hasattr(value, "__html__"):
        return escape_markdown(str(value))
    return value


def render(
    env: SandboxedEnvironment, name: str, context: dict[str, Any], *, markdown: bool | None = None
) -> str:
    """Render template `name`; any template fault becomes a TemplateError naming file and line.

    With `markdown` (by default: for a *.md.j2 template) every value the template outputs is
    Markdown-escaped, so that text from the plan reads as it was and never as Markdown; the email's
    text part is rendered with markdown=False, where nothing interprets the Markdown.
    """
    from jinja2 import TemplateError as JinjaError
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    escaping = _ESCAPING_MARKDOWN.set(name.endswith(".md.j2") if markdown is None else markdown)
    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as error:
        raise TemplateError(f"template '{error.name}' not found in the template folders.") from None
    except TemplateSyntaxError as error:
        where = f"{error.filename or error.name or name}:{error.lineno}"
        raise TemplateError(f"{where}: template syntax error: {_sentence(error.message or '')}") from None
    except UndefinedError as error:
        raise TemplateError(
            f"{_where(error, name)}: unknown variable: {_undefined_name(error)}.",
            hint="Check the spelling against the variables the built-in template uses.",
        ) from None
    except SecurityError as error:
        raise TemplateError(
            f"{_where(error, name)}: not allowed in a template: {_sentence(str(error))}"
        ) from None
    except JinjaError as error:
        raise TemplateError(f"{_where(error, name)}: template error: {_sentence(str(error))}") from None
    except KeyError as error:  # e.g. recipient.field('office') for a column the CSV does not have
        raise TemplateError(f"{_where(error, name)}: no such field: {error}.") from None
    except RecursionError as error:
        raise TemplateError(
            f"{_where(error, name)}: the template extends or includes itself without end.",
            hint="A template in your folder that extends one of the same name gets itself, not the"
            " built-in one: copy the built-in template into your folder and change the copy.",
        ) from None
    # What Python raises for a bad value in an expression: 1 / 0, '%d' | format('x'),
    # date.replace(year=0), a sum too big for memory. The template is at fault, so the user can fix it.
    except (ArithmeticError, ValueError, TypeError, LookupError, MemoryError) as error:
        raise TemplateError(
            f"{_where(error, name)}: cannot render: {_problem(error)}",
            hint="Fix the expression on that line.",
        ) from None
    finally:
        _ESCAPING_MARKDOWN.reset(escaping)


def _sentence(text: str) -> str:
    """The text as one sentence: with one full stop at its end, whether or not it had one."""
    return text.rstrip(". ") + "."


def _problem(error: BaseException) -> str:
    """What went wrong, with Python's name for it where the text alone may not say."""
    if isinstance(error, _TooBig):
        return _sentence(str(error))
    if isinstance(error, MemoryError):
        return "it builds a value too big for memory."
    return _sentence(f"{error} ({type(error).__name__})" if str(error) else type(error).__name__)


def _where(error: BaseException, name: str) -> str:
    """template-file:line from the traceback frames Jinja maps back onto the template source."""
    place = name
    trace = error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename == "<template>":
            place = f"{filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return place


def _undefined_name(error: BaseException) -> str:
    found = re.search(r"'([^']+)' is undefined", str(error))
    if found:
        return found[1]
    found = re.search(r"has no attribute '([^']+)'", str(error))
    return found[1] if found else str(error)


# Markdown escaping. Only what CommonMark (and GitHub's tables and strikethrough) would read as
# syntax gets a backslash, so ordinary text ("Fish & Chips Day!", "9:00", "-$50") is unchanged.
_INLINE_SYNTAX = re.compile(
    "|".join(
        [
            r"[*_`\[\]|~]",  # emphasis, code, links and images, table cells, strikethrough
            r"\\(?=[!-/:-@\[-`{-~]|\n|$)",  # a backslash that would escape what follows it
            r"&(?=#?[A-Za-z0-9]+(?:;|$))",  # an entity: &amp; &#32;
            r"<(?=[A-Za-z/!?]|$)",  # an autolink or HTML
            r"(?<=[ \t])#+(?=[ \t]*$)",  # hashes that would close a heading
        ]
    )
)
# At the start of a line: a heading, a quote, a list item, a rule or setext underline, a numbered item.
_BLOCK_SYNTAX = re.compile(
    r"(?m)^([ \t]*)(#{1,6}(?=[ \t]|$)|>|[-+=](?=[-+=]|[ \t]|$)|\d{1,9}(?=[.)](?:[ \t]|$)))"
)


def escape_markdown(text: str) -> str:
    """The text with a backslash before each character Markdown would read as syntax there."""
    escaped = _INLINE_SYNTAX.sub(lambda found: "\\" + found[0], text)
    return _BLOCK_SYNTAX.sub(_escape_block_mark, escaped)


def _escape_block_mark(found: re.Match[str]) -> str:
    indent, mark = found[1], found[2]
    # a numbered item's digits stay; the "." or ")" after them, which makes the list, is escaped
    return indent + (mark + "\\" if mark[0].isdigit() else "\\" + mark)
