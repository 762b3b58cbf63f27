"""Shell completion of option values: message kinds, dates and idea ids.

Click calls these only while completing (`_CSW_COMPLETE=bash_complete`), so the imports they need
stay inside them and cost nothing at an ordinary start-up. A completer never raises: a broken bank or
config completes nothing rather than printing a traceback into the user's shell.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path
from typing import Any

import typer

from csw.cli.choices import MESSAGE_KINDS, completer

message_kinds = completer(MESSAGE_KINDS)
due_dates = completer(("today",))


def idea_ids(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """The ids of the bank in use (the built-in one, the config's and any --ideas), with titles.

    A user file with problems still offers the ideas that loaded; a config that does not load, or
    anything else going wrong, offers nothing.
    """
    try:
        with _quiet():
            config = _config(ctx.params)
            ideas = _bank(config, ctx.params).ideas
    except Exception:
        return []
    return [(idea_id, idea.title) for idea_id, idea in ideas.items() if idea_id.startswith(incomplete)]


def idea_pins(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """DAY=IDEA for --pin: the days of the configured week first, then the ids once a day is typed."""
    day, equals, idea = incomplete.partition("=")
    if equals:
        return [(f"{day}={found}", title) for found, title in idea_ids(ctx, idea)]
    try:
        with _quiet():
            days: tuple[str, ...] = tuple(_config(ctx.params).week.days)
    except Exception:
        days = ("mon", "tue", "wed", "thu", "fri")
    return [(f"{name}=", "") for name in days if name.startswith(incomplete.lower())]


def team_names(ctx: typer.Context, incomplete: str) -> list[str]:
    """The names of the config's [[teams]], for --team."""
    try:
        with _quiet():
            names = [entry.name for entry in _config(ctx.params).teams]
    except Exception:
        return []
    return [name for name in names if name.startswith(incomplete)]


def _quiet() -> contextlib.ExitStack:
    """Nothing a loader prints may reach the shell: completion output is the shell's input."""
    stack = contextlib.ExitStack()
    stack.enter_context(contextlib.redirect_stdout(io.StringIO()))
    stack.enter_context(contextlib.redirect_stderr(io.StringIO()))
    return stack


def _config(params: dict[str, Any]) -> Any:
    from csw.settings.config_file import find_config, load_config

    return load_config(find_config(params.get("config_path"), Path(".")))


def _bank(config: Any, params: dict[str, Any]) -> Any:
    from csw.ideas.bank import load_bank

    extra = [Path(p) for p in params.get("ideas") or ()]
    bank, _problems = load_bank([*(config.resolve(p) for p in config.ideas.paths), *extra])
    return bank
