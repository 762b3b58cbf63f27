"""A local SMTP server that accepts every message and throws it away, counting messages and bytes.

It runs in a thread of the benchmark process (aiosmtpd's Controller), so every sender under test
talks to the same server over loopback, and each run can be checked: did all the messages arrive?
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller

from tests.benchmarks.timing import RunFailed
from tests.smtp_server import free_port


class CountingHandler:
    """Accepts each message at DATA, keeps nothing but the count and the size."""

    def __init__(self) -> None:
        self.messages = 0
        self.bytes = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages += 1
        self.bytes += len(envelope.original_content or b"")
        return "250 2.0.0 OK: discarded"


@dataclass
class Sink:
    """The running server: where it listens and what it has received since the last reset."""

    handler: CountingHandler
    port: int

    def reset(self) -> None:
        self.handler.messages = 0
        self.handler.bytes = 0

    def expect(self, messages: int, who: str) -> None:
        """Raise RunFailed unless exactly `messages` arrived since the last reset."""
        if self.handler.messages != messages:
            raise RunFailed(
                f"{who}: the SMTP server received {self.handler.messages} messages, not {messages}"
            )

    @property
    def average_size(self) -> float:
        return self.handler.bytes / self.handler.messages if self.handler.messages else 0.0


@contextmanager
def running_sink() -> Iterator[Sink]:
    """An SMTP server on 127.0.0.1 for the duration of the block."""
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield Sink(handler, controller.port)
    finally:
        controller.stop()
