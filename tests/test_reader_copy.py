"""Each reader of the starter's emails reads copy written for them: a lead or the coordinator what
each thing is (its summary), not a rep's pitch; a rep who covers the queue during a live session
when it runs and that the recording comes, not a promise of its lunch; a remote rep the home form
of the day alone."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.utils import parseaddr
from pathlib import Path

import yaml

from csw.people.recipients import load_recipients

STRICT = policy.default.clone(raise_on_defect=True)


def _texts(outbox: Path, kinds: tuple[str, ...]) -> dict[tuple[str, str], str]:
    """(reader's address, file name) -> the plain text, whitespace folded, of those kinds."""
    found = {}
    for path in sorted(outbox.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=STRICT)
        if message["X-CSW-Kind"] in kinds:
            body = message.get_body(preferencelist=("plain",))
            assert body is not None
            found[(parseaddr(str(message["To"]))[1], path.name)] = " ".join(body.get_content().split())
    return found


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _starter(csw, folder: Path) -> tuple[dict, dict[tuple[str, str], str], dict[str, str]]:
    assert csw("init").exit_code == 0
    assert csw("plan", "2025").exit_code == 0
    assert csw("email", "preview", "csw-2025/plan.yaml").exit_code == 0
    plan = yaml.safe_load((folder / "csw-2025" / "plan.yaml").read_text(encoding="utf-8"))
    people, _ = load_recipients(folder / "recipients.csv")
    roles = {p.email: f"{p.role}{'-remote' if p.field('remote') == 'yes' else ''}" for p in people}
    return plan, _texts(folder / "csw-2025" / "outbox", ("kickoff", "daily")), roles


def test_a_lead_and_the_coordinator_read_what_each_thing_is_not_a_reps_pitch(csw, tmp_path: Path) -> None:
    plan, texts, roles = _starter(csw, tmp_path)
    ideas = plan["ideas"].values()
    read = 0
    for (reader, name), text in texts.items():
        if roles[reader] not in ("lead", "coordinator"):
            continue
        assert "that means you" not in text and "at your desk" not in text, name
        assert "if you are on the queue" not in text, name
        if roles[reader] == "coordinator" and "-kickoff-" in name:
            for idea_id in {a["idea"] for d in plan["days"] for a in d["activities"]}:
                idea = plan["ideas"][idea_id]
                if idea["span"] == "daily":  # once, with every shift's time
                    assert text.count(f" {idea['title']}: ") == 1, idea_id
                    assert re.search(
                        r"\(day shift\), \S+ [AP]M \(evening shift\) " + re.escape(idea["title"]), text
                    )
        for idea in ideas:
            pitch = _one_line(idea.get("pitch") or "")
            if pitch and pitch != _one_line(idea["summary"]):
                assert pitch not in text, (name, idea["id"])
            listed = (f" {idea['title']}: ", f" {idea['title']} (every day): ")
            if "-daily-" in name and any(line in text for line in listed):
                assert _one_line(idea["summary"]) in text, (name, idea["id"])
                read += 1
        if roles[reader] == "coordinator" and "-daily-" in name:
            assert "Thank you for everything you do" not in text, "the coordinator does not thank themselves"
    assert read > 20, "the lead's and the coordinator's messages name the week's activities"


def test_a_rep_covering_the_queue_reads_what_a_live_session_is_and_a_remote_rep_the_home_form(
    csw, tmp_path: Path
) -> None:
    plan, texts, roles = _starter(csw, tmp_path)
    live = [
        (day["date"], activity["idea"])
        for day in plan["days"]
        for activity in day["activities"]
        if plan["ideas"][activity["idea"]]["format"] == "live"
    ]
    covering = homes = streamed = 0
    for (reader, name), text in texts.items():
        if "-daily-" not in name or not roles[reader].startswith("rep"):
            continue
        # a live seat is in the room for a rep on site, on the stream for one at home
        streamed += text.count(", on the stream)")
        assert roles[reader].endswith("-remote") or ", on the stream)" not in text, name
        day = next(d for d in plan["days"] if name.startswith(str(d["date"])))
        for date, idea_id in live:
            idea = plan["ideas"][idea_id]
            if date != day["date"] or (idea.get("remote") and roles[reader].endswith("-remote")):
                continue
            if f"{idea['title']}: live until" in text and "queue covered; the recording comes to you" in text:
                covering += 1
                assert _one_line(idea["pitch"]) not in text, (name, idea_id)
        theme = plan["ideas"][day["theme"]]
        if roles[reader].endswith("-remote") and theme.get("remote"):
            homes += 1
            assert f"Welcome to {theme['title']}. {_one_line(theme['remote']['pitch'])}" in text, name
            assert _one_line(theme["pitch"]) not in text, name
    assert covering, "some rep keeps the queue covered during a live session, and is told what it is"
    assert homes, "a remote rep reads a themed day's home form"
    assert streamed, "a remote rep with a live seat is told it is on the stream"
