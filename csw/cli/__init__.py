"""The command line: parses arguments, calls the library, prints. No planning logic lives here.

`app` holds the error boundary; each command group registers itself on it when imported below,
in the order `csw --help` lists them.
"""

from csw.cli import week_commands  # noqa: I001 (first: csw --help lists week and init first)
from csw.cli import email_commands, ideas_commands, plan_commands, send_command
from csw.cli.app import app, ideas_app, main, today
from csw.cli.terminal import PLAIN_TABLE_FROM

__all__ = [
    "PLAIN_TABLE_FROM",
    "app",
    "email_commands",
    "ideas_app",
    "ideas_commands",
    "main",
    "plan_commands",
    "send_command",
    "today",
    "week_commands",
]
