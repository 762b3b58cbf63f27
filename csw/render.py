"""The one Jinja environment for everything rendered: sandboxed, strict, user templates first."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from csw.errors import CswError
from csw.resources import builtin_dir
from csw.views import clock, long_date, money

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment


class TemplateError(CswError):
    """A template cannot be loaded or rendered; the message names the template and line."""


def short_date(day: Any) -> str:
    """Mon 6 Oct."""
    return f"{day:%a} {day.day} {day:%b}"


def environment(user_dir: Path | None = None) -> SandboxedEnvironment:
    """Templates from the user's folder first, then the built-in ones; HTML autoescaped."""
    from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    folders = [builtin_dir("templates")]
    if user_dir is not None:
        if not user_dir.is_dir():
            raise TemplateError(
                f"{user_dir}: no such template folder.", hint="Check --templates or templates.path."
            )
        folders.insert(0, user_dir)
    env = SandboxedEnvironment(
        loader=ChoiceLoader([FileSystemLoader(str(folder)) for folder in folders]),
        undefined=StrictUndefined,
        autoescape=lambda name: bool(name) and ".html" in str(name),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(long_date=long_date, short_date=short_date, clock=clock, money=money)
    return env


def render(env: SandboxedEnvironment, name: str, context: dict[str, Any]) -> str:
    """Render template `name`; any template fault becomes a TemplateError naming file and line."""
    from jinja2 import TemplateError as JinjaError
    from jinja2 import TemplateNotFound, TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    try:
        return env.get_template(name).render(context)
    except TemplateNotFound as error:
        raise TemplateError(f"template '{error.name}' not found in the template folders.") from None
    except TemplateSyntaxError as error:
        where = f"{error.filename or error.name or name}:{error.lineno}"
        problem = (error.message or "").rstrip(".")
        raise TemplateError(f"{where}: template syntax error: {problem}.") from None
    except UndefinedError as error:
        raise TemplateError(
            f"{_where(error, name)}: unknown variable: {_undefined_name(error)}.",
            hint="Check the spelling against the variables the built-in template uses.",
        ) from None
    except SecurityError as error:
        raise TemplateError(f"{_where(error, name)}: not allowed in a template: {error}.") from None
    except JinjaError as error:
        raise TemplateError(f"{_where(error, name)}: template error: {error}.") from None
    except KeyError as error:  # e.g. recipient.field('office') for a column the CSV does not have
        raise TemplateError(f"{_where(error, name)}: no such field: {error}.") from None


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
