"""Sending when things go wrong mid-way, against a real aiosmtpd server: a process killed between a
message's data and the server's reply, Ctrl-C, a journal that cannot grow, a server that goes quiet
after its greeting, and settings that would make invalid headers."""

from __future__ import annotations

import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session

from csw.mail.delivery import report_lines
from csw.mail.send import ConnectionFailed, connect, read_outbox, send_all, settings_from_config
from csw.settings.config import Email
from tests.configs import TO_RECIPIENTS
from tests.smtp_server import Recorder, SignalsTheSender, serve
from tests.test_email_send import ALL, configure, send_command
from tests.test_email_send import plan_file as plan_file  # the fixture: a plan and its recipients
from tests.test_send import mid, settings_for, write_outbox

STRICT = policy.default.clone(raise_on_defect=True)


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("CSW_DEBUG", "CSW_NOW", "CSW_TODAY")}


# --- a run killed between the data and the reply ----------------------------------------------------


class KillsDuringReply(SignalsTheSender):
    """Takes message `number` (counting from 1) and kills the sender before answering it, as a crash
    between the final dot and the server's 250 would."""

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        if self.pid is not None and self.datas == self.number:
            self.keep(envelope)  # the server has it: only the reply is missing
            os.kill(self.pid, signal.SIGKILL)
            self.pid = None
            await asyncio.sleep(0.2)
            return "451 4.3.0 too late"
        return None


def test_a_send_killed_before_the_reply_is_resent_and_named_by_the_rerun(
    write: Any, plan_file: Path, tmp_path: Path
) -> None:
    handler = KillsDuringReply(number=3)
    with serve(handler) as server:
        configure(write, server.port)
        first = subprocess.Popen(
            send_command(plan_file, "--yes"), cwd=tmp_path, env=child_env(), stdout=subprocess.PIPE
        )
        handler.pid = first.pid
        first.communicate(timeout=60)
        assert first.returncode == -signal.SIGKILL
        in_doubt = handler.received[2]
        journal = plan_file.parent / "outbox" / "sent.jsonl"
        going = [json.loads(line) for line in journal.read_text().splitlines() if "in_flight" in line]
        assert going[-1]["in_flight"] == in_doubt.message_id

        rerun = subprocess.run(
            send_command(plan_file, "--yes", "--json"),
            cwd=tmp_path,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert rerun.returncode == 0, rerun.stderr
    counts = handler.message_ids()
    assert len(counts) == ALL
    assert [mid for mid, n in counts.items() if n > 1] == [in_doubt.message_id]
    report = json.loads(rerun.stdout)
    (twice,) = report["unconfirmed"]  # resent with its Message-ID: it may have arrived twice
    assert twice["message_id"] == in_doubt.message_id
    assert twice["to"] == list(in_doubt.rcpt_tos)
    assert (plan_file.parent / "outbox" / twice["file"]).is_file()
    assert report["counts"]["sent"] + report["counts"]["unconfirmed"] == ALL - 2
    assert (report["counts"]["selected"], report["counts"]["already_sent"]) == (ALL, 2)
    # without --json, the same run would have said so in words
    lines = report_lines_of(plan_file)
    assert any(line.startswith(f"1 message may have arrived twice: {twice['file']}") for line in lines)


def report_lines_of(plan_file: Path) -> list[str]:
    """The report of a library-level rerun of the same journal, as the text output words it."""
    outbox = plan_file.parent / "outbox"
    journal = outbox / "sent.jsonl"
    lines = [json.loads(line) for line in journal.read_text().splitlines()]
    twice = [line for line in lines if line.get("status") == "unconfirmed-resent"]
    (entry,) = twice
    message = next(m for m in read_outbox(outbox) if m.message_id == entry["message_id"])
    from csw.mail.report import SendReport

    return report_lines(SendReport(unconfirmed=[message]))


def test_a_message_left_in_flight_is_resent_with_its_message_id_and_reported(tmp_path: Path) -> None:
    outbox = write_outbox(tmp_path / "outbox", 3)
    journal = outbox / "sent.jsonl"
    journal.write_text(
        json.dumps({"message_id": mid(0), "status": "sent"})
        + "\n"
        + json.dumps({"in_flight": mid(1), "file": "001-daily-rep1.eml"})
        + "\n"
    )
    messages = read_outbox(outbox)
    with serve(Recorder()) as server:
        report = send_all(messages, settings_for(server.port), journal)
    assert [item.message_id for item in server.handler.received] == [mid(1), mid(2)]
    assert report.skipped == [messages[0]]
    assert report.unconfirmed == [messages[1]] and report.sent == [messages[2]]
    (line,) = [line for line in report_lines(report) if "twice" in line]
    assert line.startswith("1 message may have arrived twice: 001-daily-rep1.eml (rep1@team.example).")
    # once confirmed, it is an ordinary sent message: a third run says nothing about it
    with serve(Recorder()) as server:
        again = send_all(read_outbox(outbox), settings_for(server.port), journal)
    assert server.handler.received == [] and again.unconfirmed == []


# --- Ctrl-C -------------------------------------------------------------------------------------------


class InterruptsAt(SignalsTheSender):
    """Sends SIGINT to the sender while it waits for the reply to message `number`."""

    async def on_data(self, server: SMTP, envelope: Envelope) -> str | None:
        if self.pid is not None and self.datas == self.number:
            os.kill(self.pid, signal.SIGINT)
            self.pid = None
            await asyncio.sleep(1)
            return "451 4.3.0 too late"
        return None


def test_ctrl_c_says_what_was_sent_and_what_is_left(write: Any, plan_file: Path, tmp_path: Path) -> None:
    handler = InterruptsAt(number=4)
    with serve(handler) as server:
        configure(write, server.port)
        process = subprocess.Popen(
            send_command(plan_file, "--yes"),
            cwd=tmp_path,
            env=child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # Ctrl-C as a terminal delivers it, even where the suite runs in the background (a
            # shell starts background jobs with SIGINT ignored, and Python then keeps it ignored)
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        handler.pid = process.pid
        out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert f"Interrupted: 3 sent in this run, {ALL - 3} left;" in out
    accepted = [line for line in (plan_file.parent / "outbox" / "sent.jsonl").read_text().splitlines()]
    assert sum('"status"' in line for line in accepted) == 3 == len(handler.received)


# --- a journal that cannot take another line ----------------------------------------------------------


# 100 bytes: no room for any line; 220: room for the in-flight line as it was once written, which
# was shorter than the acceptance that follows it (one message went out, then could not be recorded)
@pytest.mark.parametrize("room", [100, 220])
def test_a_journal_without_room_for_a_line_stops_the_send_before_any_data(
    write: Any, plan_file: Path, tmp_path: Path, room: int
) -> None:
    outbox = plan_file.parent / "outbox"
    outbox.mkdir()
    journal = outbox / "sent.jsonl"
    filler = 1_000_000
    journal.write_bytes(b"\n" * filler)  # blank lines: an empty journal, a megabyte long

    def little_room() -> None:  # the disk is full once the journal has grown by `room` bytes
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (filler + room, filler + room))

    with serve(Recorder()) as server:
        configure(write, server.port)
        full = subprocess.run(
            send_command(plan_file, "--yes"),
            cwd=tmp_path,
            env=child_env(),
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=little_room,
        )
        assert full.returncode == 2, full.stderr
        assert "cannot write the send journal" in full.stderr and "Traceback" not in full.stderr
        assert server.handler.datas == 0 and server.handler.received == []

        rerun = subprocess.run(
            send_command(plan_file, "--yes"), cwd=tmp_path, env=child_env(), capture_output=True, text=True
        )
    assert rerun.returncode == 0, rerun.stderr
    assert "twice" not in rerun.stdout  # nothing had gone: nothing is in doubt
    counts = server.handler.message_ids()
    assert len(counts) == ALL and set(counts.values()) == {1}


# --- the server and the password ----------------------------------------------------------------------


class QuietAfterGreeting(Recorder):
    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        await asyncio.sleep(3)
        return responses


def test_a_server_that_goes_quiet_after_its_greeting_stopped_answering() -> None:
    with serve(QuietAfterGreeting()) as server, pytest.raises(ConnectionFailed) as caught:
        connect(settings_for(server.port, timeout=0.5))
    assert caught.value.message.startswith(f"127.0.0.1:{server.port}: the server stopped answering")
    assert "cannot connect" not in caught.value.message


def test_the_password_is_the_first_line_a_command_prints() -> None:
    command = (
        f"{sys.executable} -c \"print('s3cret'); print('url: https://mail.example'); print('user: pat')\""
    )
    settings = settings_from_config(Email(username="pat", password_command=command), {})
    assert settings.password == "s3cret"


# --- email.from and email.sponsor -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ["from", "sponsor"])
@pytest.mark.parametrize(
    "given",
    ["Pat <josé@acme.example>", "Pat <a..b@acme.example>", "Pat Lee", "Pat <pat@>"],
)
def test_a_bad_sender_or_sponsor_is_refused_at_its_line_in_csw_toml(
    csw: Any, write: Any, plan_file: Path, key: str, given: str
) -> None:
    lines = Path("csw.toml").read_text().splitlines()
    at = next(n for n, row in enumerate(lines) if row.startswith(f"{key} ="))
    lines[at] = f'{key} = "{given}"'
    write("csw.toml", "\n".join(lines) + "\n")
    for command in ("preview", "send"):
        more = ("--yes",) if command == "send" else ()
        result = csw("email", command, plan_file, "--recipients", "recipients.csv", *more)
        result.assert_clean_error()
        assert f"csw.toml:{at + 1}: email.{key}" in result.stderr
    assert not (plan_file.parent / "outbox").exists()


def test_today_is_the_date_in_the_organisations_zone(csw: Any, write: Any, plan_file: Path) -> None:
    # 02:00 on Tuesday in UTC is still Monday evening in Chicago: Tuesday's messages are not due
    late_monday = {"CSW_NOW": "2025-10-07T02:00:00Z"}
    result = csw(
        "email", "preview", plan_file, *TO_RECIPIENTS, "--only", "daily", "--due", "today", env=late_monday
    )
    assert result.exit_code == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.split()[:1] == ["daily"]]
    assert rows == [["daily", "Mon", "2025-10-06", "2"]], result.stdout


def test_an_international_domain_goes_out_in_its_ascii_form(csw: Any, write: Any, plan_file: Path) -> None:
    text = (
        Path("csw.toml")
        .read_text()
        .replace('from = "Pat Lee <pat@acme.example>"', 'from = "Zoë Brandt <zoe@bücher.example>"')
    )
    write("csw.toml", text)
    result = csw("email", "preview", plan_file, "--recipients", "recipients.csv")
    assert result.exit_code == 0, result.stderr
    for path in (plan_file.parent / "outbox").glob("*.eml"):
        message = message_from_bytes(path.read_bytes(), policy=STRICT)
        (sender,) = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("Zoë Brandt", "zoe@xn--bcher-kva.example")


def test_no_header_line_outgrows_what_servers_take(csw: Any, write: Any, plan_file: Path) -> None:
    long_name = "Alexandria" * 121  # 1,210 characters and no space to fold at
    rows = Path("recipients.csv").read_text().splitlines()
    header, first, *rest = rows
    cells = first.split(",")
    cells[header.split(",").index("name")] = long_name
    write("recipients.csv", "\n".join([header, ",".join(cells), *rest]) + "\n")
    result = csw("email", "preview", plan_file, "--recipients", "recipients.csv")
    assert result.exit_code == 0, result.stderr
    for path in (plan_file.parent / "outbox").glob("*.eml"):
        data = path.read_bytes()
        head = data[: data.index(b"\r\n\r\n")]
        assert max(len(line) for line in head.split(b"\r\n")) <= 998, path.name
        message_from_bytes(data, policy=STRICT)
