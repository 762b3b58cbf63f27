"""Each department's thanks names what that department does: csw.settings.departments.thanks_words, the
built-in words (csw/departments.yaml), the coordinator's own ([team.thanks] in csw.toml) and the
thank-you note that reads them."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from csw.exports.render import environment, render
from csw.settings.config_file import load_config
from csw.settings.departments import department_key, thanks_words
from tests.test_bad_support import assert_short_error

COMMON = [
    "IT", "HR", "Product", "Engineering", "Marketing", "Sales", "Finance", "Facilities", "Legal",
    "Operations", "Quality", "Training", "Security", "Logistics", "Billing", "Customer Success",
    "Workforce Management", "Design", "Data",
]  # fmt: skip
GENERIC = thanks_words("Department of Unusual Things", {})


def builtin() -> dict[str, object]:
    return yaml.safe_load((files("csw") / "departments.yaml").read_text(encoding="utf-8"))


def test_it_and_hr_are_thanked_for_different_things() -> None:
    it, hr = thanks_words("IT", {}), thanks_words("HR", {})
    assert it != hr and "phone" in it and "people" in hr
    assert len(set(it.split()) ^ set(hr.split())) > 10


def test_every_common_department_has_its_own_words() -> None:
    words = [thanks_words(name, {}) for name in COMMON]
    assert GENERIC not in words
    assert len(set(words)) == len(COMMON), "no two departments are thanked alike"


@pytest.mark.parametrize(
    ("name", "same_as"),
    [
        ("People", "HR"),
        ("Human Resources", "HR"),
        ("people & culture", "HR"),
        ("hr", "HR"),
        ("the IT department", "IT"),  # a leading "the" is not a suffix: generic
        ("IT Department", "IT"),
        ("information technology", "IT"),
        ("Shipping", "Logistics"),
        ("Fulfilment", "Logistics"),
        ("QA", "Quality"),
        ("R&D", "Engineering"),
        ("L&D", "Training"),
        ("Human-Resources team", "HR"),
    ],
)
def test_a_department_is_found_by_its_aliases_in_any_case(name: str, same_as: str) -> None:
    expected = GENERIC if name.startswith("the ") else thanks_words(same_as, {})
    assert thanks_words(name, {}) == expected


def test_the_coordinators_words_come_first_matched_in_any_case() -> None:
    configured = {"it": "rebuilt the call router in a weekend.", "Finance": "  paid for the pizza  "}
    assert thanks_words("IT", configured) == "rebuilt the call router in a weekend"
    assert thanks_words("finance", configured) == "paid for the pizza"
    assert thanks_words("HR", configured) == thanks_words("HR", {}), "others keep csw's words"


def test_an_unknown_department_gets_honest_generic_words() -> None:
    assert GENERIC and thanks_words("Widgets", {}) == GENERIC and "behind the scenes" in GENERIC
    assert thanks_words("", {}) == GENERIC


def test_the_builtin_table_is_well_formed() -> None:
    data = builtin()
    keys: list[str] = []
    for entry in data["departments"]:  # type: ignore[attr-defined]
        assert set(entry) == {"names", "words"}
        words = " ".join(entry["words"].split())
        assert words[0].islower() and not words.endswith("."), words
        assert len(words) < 200, "one sentence"
        keys += [department_key(name) for name in entry["names"]]
    assert len(keys) == len(set(keys)), "no name belongs to two departments"


def test_department_key_reads_names_loosely() -> None:
    assert department_key("People & Culture") == department_key("people and culture") == "people and culture"
    assert department_key("  IT   Dept ") == "it" and department_key("Team") == "team"


def test_the_thank_you_note_says_the_words_after_you() -> None:
    context = {
        "organization": SimpleNamespace(name="Acme Support", team="Customer Care"),
        "recipient": SimpleNamespace(first_name="Ana"),
        "department": "IT",
        "department_words": "rebuilt the call router in a weekend",
        "today": None,
        "sign_off": "Pat Lee",
    }
    text = render(environment(), "email/thanks.md.j2", context, markdown=False)
    assert "You rebuilt the call router in a weekend. Every good conversation" in text
    assert "the tools that stay up" not in text
    assert text.rstrip().endswith("Pat Lee")


CONFIG = """
[team]
departments = ["IT", "HR", "Finance"]

[team.thanks]
IT = "rebuilt the call router in a weekend"
finance = "paid for the pizza"
"""


def test_team_thanks_is_read_from_csw_toml(tmp_path: Path) -> None:
    path = tmp_path / "csw.toml"
    path.write_text(CONFIG, encoding="utf-8")
    thanks = load_config(path).team.thanks
    assert thanks == {"IT": "rebuilt the call router in a weekend", "finance": "paid for the pizza"}
    assert load_config(None).team.thanks == {}


@pytest.mark.parametrize(
    ("toml", "fragments"),
    [
        ("[team.thanks]\nIT = 3\n", ["csw.toml:2: team.thanks.IT", "valid string"]),
        ('[team]\nthanks = "great work"\n', ["csw.toml:2: team.thanks", "dictionary"]),
        ('[team.thanks]\nIT = ["a", "b"]\n', ["csw.toml:2: team.thanks.IT"]),
        ('[team.thanks]\nIT = "two\\nlines"\n', ["csw.toml:2: team.thanks.IT", "one line"]),
        (
            '[team]\ndepartments = ["IT", "HR"]\n\n[team.thanks]\nFinanse = "paid"\n',
            ["team.thanks", "'Finanse'", "not in team.departments (IT, HR)"],
        ),
    ],
)
def test_a_bad_team_thanks_exits_2_naming_the_field(csw, write, toml: str, fragments: list[str]) -> None:
    write("csw.toml", toml)
    result = csw("plan", "2025")
    assert_short_error(result, *fragments)
    assert not Path("csw-2025").exists()


def test_a_composed_thank_you_carries_the_coordinators_words(csw, write, tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser

    from csw.mail.compose import compose_plan
    from csw.people.recipients import load_recipients
    from csw.plan.file import load_plan

    write("csw.toml", CONFIG + '\n[email]\nfrom = "Pat Lee <pat@acme.example>"\n')
    people = "email,name,team\nana@acme.example,Ana Silva,IT\nhal@acme.example,Hal Jones,HR\n"
    write("people.csv", people + "fin@acme.example,Fin Lo,Finance\nsam@acme.example,Sam Ortiz,Care\n")
    assert csw("plan", "2025", "--format", "md").exit_code == 0
    config = load_config(tmp_path / "csw.toml")
    plan = load_plan(tmp_path / "csw-2025" / "plan.yaml")
    recipients, _ = load_recipients(tmp_path / "people.csv")
    composed, _ = compose_plan(
        plan, recipients, config.email, config.team.departments, environment(),
        ["thanks"], thanks=config.team.thanks,
    )  # fmt: skip
    texts = {}
    for item, data in composed:  # composed one at a time: the record and the bytes
        message = BytesParser(policy=policy.default).parsebytes(data)
        body = message.get_body(("plain",))
        assert body is not None
        texts[item.draft.department] = " ".join(str(body.get_content()).split())
    assert "You rebuilt the call router in a weekend. Every good" in texts["IT"]
    assert "You paid for the pizza." in texts["Finance"]
    assert f"You {thanks_words('HR', {})}." in texts["HR"]


def test_csw_email_preview_thanks_it_in_the_coordinators_words(csw, write, tmp_path: Path) -> None:
    from email import policy
    from email.parser import BytesParser

    write("csw.toml", CONFIG + '\n[email]\nfrom = "Pat Lee <pat@acme.example>"\n')
    write("people.csv", "email,name,team\nana@acme.example,Ana Silva,IT\nhal@acme.example,Hal Jones,HR\n")
    assert csw("plan", "2025", "--format", "md").exit_code == 0
    result = csw("email", "preview", "csw-2025/plan.yaml", "--recipients", "people.csv", "--only", "thanks")
    assert result.exit_code == 0, result.stderr
    texts = {}
    for path in (tmp_path / "csw-2025" / "outbox").glob("*-thanks-*.eml"):
        body = BytesParser(policy=policy.default).parsebytes(path.read_bytes()).get_body(("plain",))
        assert body is not None
        texts[path.name.split("-thanks-")[1]] = " ".join(str(body.get_content()).split())
    assert "You rebuilt the call router in a weekend. Every good" in texts["ana-at-acme.example.eml"]
    assert f"You {thanks_words('HR', {})}." in texts["hal-at-acme.example.eml"]
