"""Shell completion of option values: message kinds, dates and idea ids.

Click calls these only while completing (`_CSW_COMPLETE=bash_complete`), so the imports they need
stay inside them and cost nothing at an ordinary start-up. A completer never raises: a broken bank or
config completes nothing rather than printing a traceback into the user's shell.
"""

# No `from __future__ import annotations` here: Typer reads these signatures to know what to pass
# (the context, the incomplete word), and older Typers compare the annotations as real types.
import contextlib
import io
from pathlib import Path
from typing import Any

import typer


def message_kinds(incomplete: str) -> list[str]:
    from csw.mail.audience import KINDS

    return [kind for kind in KINDS if kind.startswith(incomplete)]


def due_dates(incomplete: str) -> list[str]:
    return [word for word in ("today",) if word.startswith(incomplete)]


def idea_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The ids of the bank in use (the built-in one, the config's and any --ideas), with titles."""
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            bank = _bank(ctx.params)
    except Exception:  # a bank or config that does not load completes nothing
        return []
    return [(idea.id, idea.title) for idea in bank.ideas if idea.id.startswith(incomplete)]


def idea_pairs(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """DAY=IDEA for --pin: the day names first, then the ids once the day is typed."""
    day, equals, idea = incomplete.partition("=")
    if not equals:
        return [(f"{name}=", "") for name in _DAYS if name.startswith(incomplete.lower())]
    return [(f"{day}={found}", title) for found, title in idea_ids(ctx, idea)]


_DAYS = ("mon", "tue", "wed", "thu", "fri")


def _bank(params: dict[str, Any]) -> Any:
    from csw.config_file import find_config, load_config
    from csw.ideas import load_bank

    config = load_config(find_config(params.get("config_path"), Path(".")))
    extra = [Path(p) for p in params.get("ideas") or ()]
    bank, _problems = load_bank([*(config.resolve(p) for p in config.ideas.paths), *extra])
    return bank
