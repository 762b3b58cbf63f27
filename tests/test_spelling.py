"""An American English team reads American spelling; a British one the bank as written."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from csw.core.spelling import AMERICAN, american, writes_american
from csw.ideas.bank import load_bank
from csw.ideas.model import Idea
from tests.test_starter import starter_in

BRITISH = re.compile(r"\b(" + "|".join(map(re.escape, AMERICAN)) + r")\b", re.IGNORECASE)


def test_words_are_respelled_keeping_their_capital() -> None:
    assert american("Pick your favourite colour.") == "Pick your favorite color."
    assert american("Colours of the Help-Centre") == "Colors of the Help-Center"
    assert american("Agree a fee; the cart comes round.") == "Agree on a fee; the cart comes around."
    assert american("a colourful cancellation") == "a colourful cancellation", "only whole words"


@given(st.text())
def test_respelling_is_done_once(text: str) -> None:
    once = american(text)
    assert american(once) == once


def test_only_american_english_is_respelled() -> None:
    assert writes_american("en_US") and writes_american("en")
    assert not any(writes_american(locale) for locale in ("en_GB", "en_AU", "de_DE", "fr_FR"))


def test_every_built_in_idea_respelled_is_still_a_valid_idea_with_no_british_word_left() -> None:
    bank, problems = load_bank()
    assert not problems
    respelled = 0
    for idea in bank.ideas.values():
        new = idea.respelled(american)
        Idea.model_validate(new.model_dump(mode="json"))  # lengths and shapes still hold
        text = yaml.safe_dump(new.model_dump(mode="json"))
        assert not BRITISH.search(text), (idea.id, BRITISH.search(text))
        respelled += new != idea
    assert respelled > 10, "the bank is written in British English"


def _text(path: Path) -> str:
    """The plain text and the subject of a message, decoded."""
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    body = message.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    return f"{message['Subject']} {body.get_content()}"


def _plan_text(folder: Path) -> str:
    out = folder / "csw-2025"
    return " ".join(
        path.read_text(encoding="utf-8")
        for path in (out / "plan.yaml", out / "agenda.md", out / "poster.html", out / "coverage.md")
    )


def test_an_american_team_reads_american_spelling_everywhere_and_a_british_one_the_bank(
    csw, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert csw("init").exit_code == 0  # en_US
    assert csw("plan", "2025").exit_code == 0
    assert csw("email", "preview", "csw-2025/plan.yaml").exit_code == 0
    mail = " ".join(_text(path) for path in (tmp_path / "csw-2025" / "outbox").glob("*.eml"))
    assert "favorite" in mail
    us = _plan_text(tmp_path)
    assert not BRITISH.search(us + mail), BRITISH.search(us + mail)
    assert re.search(r"\bfavorite\b", us) and re.search(r"\bcolors?\b", us)
    british = tmp_path / "gb"
    british.mkdir()
    monkeypatch.chdir(british)
    starter_in(csw, british, "Europe/London", "en_GB", "GBP")
    assert csw("plan", "2025").exit_code == 0
    assert re.search(r"\bfavourite\b", _plan_text(british)), "en_GB keeps the bank's spelling"


OWN_IDEA = """
- id: our-colour-day
  title: Our Favourite Colour Day
  category: dress-up
  span: day
  summary: Everyone wears their favourite colour, and the floor looks like a paint chart.
  pitch: Wear your favourite colour today.
  how_to: |
    1. Pick a colour.
    2. Wear it.
    3. Take a photo.
  modes: [onsite, remote, hybrid]
  goals: [boost-morale]
"""


def test_a_users_own_idea_comes_out_as_they_wrote_it(csw, write, tmp_path: Path) -> None:
    write("mine.yaml", OWN_IDEA)
    write("csw.toml", '[organization]\nlocale = "en_US"\n[ideas]\npaths = ["mine.yaml"]\n')
    result = csw("plan", "2025", "--pin", "mon=our-colour-day")
    assert result.exit_code == 0, result.stderr
    agenda = (tmp_path / "csw-2025" / "agenda.md").read_text(encoding="utf-8")
    assert "Our Favourite Colour Day" in agenda and "favourite colour, and the floor" in agenda
