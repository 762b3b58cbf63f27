"""The `mailmerge` package from PyPI (awdeorio/mailmerge), in a virtual environment of its own.

It is installed by pip into `<out>/cache/mailmerge-venv` the first time and reused after, so it
never touches csw's environment, and a rerun of the benchmarks does not reinstall it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.benchmarks.timing import Log, RunFailed, tail

# mailmerge's own format: headers (TO, SUBJECT, FROM), a Markdown body that mailmerge turns into a
# text + HTML multipart/alternative, and the plan's calendar attached, like csw's kickoff message.
TEMPLATE = """\
TO: {{name}} <{{email}}>
SUBJECT: Customer Service Week starts Monday 6 October
FROM: Bench <bench@bench.example>
CONTENT-TYPE: text/markdown
ATTACHMENT: schedule.ics

Hi {{name}},

Customer Service Week is coming: **Monday 6 October to Friday 10 October**.

The calendar is attached (`schedule.ics`): open it to add every event to your calendar.
Anything that takes you off the queue runs in small waves, so the phones stay covered.

See you there,
Customer Service
"""


def server_config(port: int) -> str:
    """mailmerge_server.conf for the local sink: no TLS, no login ("security = Never"), no rate limit."""
    return f"[smtp_server]\nhost = 127.0.0.1\nport = {port}\nsecurity = Never\nratelimit = 0\n"


def _run(command: list[str], what: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise RunFailed(f"{what}: exit {done.returncode}: {tail(done.stderr or done.stdout)}")
    return done.stdout.strip()


def install(cache: Path, log: Log) -> tuple[Path, str]:
    """The mailmerge executable (installing it first if needed) and its version."""
    venv = cache / "mailmerge-venv"
    executable = venv / "bin" / "mailmerge"
    if not executable.exists():
        log(f"installing mailmerge into {venv} (once; it is cached there)")
        cache.mkdir(parents=True, exist_ok=True)
        _run([sys.executable, "-m", "venv", "--clear", str(venv)], "python -m venv")
        _run(
            [
                str(venv / "bin" / "python"),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "mailmerge",
            ],
            "pip install mailmerge",
        )
    version = _run([str(executable), "--version"], "mailmerge --version")
    return executable, version
