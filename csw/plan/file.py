"""plan.yaml: the plan written with its header and checksum, and read back with errors by line."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from csw.core.errors import PlanError
from csw.core.files import read_utf8
from csw.core.validation import Loc, describe, field_names
from csw.core.yamlfile import YamlDocument, YamlSyntaxError, dump
from csw.ideas.model import Idea
from csw.plan.model import Plan
from csw.plan.rules import PlanRuleError

_CHECKSUM = re.compile(r"^# csw-checksum: ([0-9a-f]{64})$", re.MULTILINE)


def plan_body(plan: Plan) -> str:
    """plan.yaml without its header: the plan's fields in order, each idea's text dumped once.

    An organisation's teams share their ideas, and dumping the ideas' text was most of the time
    spent writing a thousand plans: each idea's YAML is made once and reused, byte for byte what
    dumping the whole plan gives (dumped under `ideas:`, so its lines wrap at the same columns).
    """
    data = plan.model_dump(mode="json", exclude={"ideas"})
    fields = list(Plan.model_fields)
    at = fields.index("ideas")
    before = {key: data[key] for key in fields[:at]}
    after = {key: data[key] for key in fields[at + 1 :]}
    ideas = "".join(_idea_yaml(key, idea) for key, idea in plan.ideas.items())
    return dump(before) + ("ideas:\n" + ideas if ideas else "ideas: {}\n") + dump(after)


@lru_cache(maxsize=4096)
def _idea_yaml(key: str, idea: Idea) -> str:
    """The idea's entry under `ideas:`, indented as in the whole plan."""
    return dump({"ideas": {key: idea.model_dump(mode="json")}}).removeprefix("ideas:\n")


def _header(plan: Plan, body: str) -> str:
    from csw.core.locale_formats import money as written

    checksum = hashlib.sha256(body.encode("utf-8")).hexdigest()
    team, locale = plan.team, plan.organization.locale
    money = (
        f"{written(plan.spent, team.currency, locale)} of {written(team.budget, team.currency, locale)}"
        f" ({written(plan.spent_per_rep, team.currency, locale)} a rep)"
    )
    return (
        f"# Customer Service Week {plan.year} plan for {plan.organization.team},"
        f" {plan.organization.name}.\n"
        f"# Spend: {money}. Prep tasks: {len(plan.prep)}.\n" + _rate_line(plan) + "#\n"
        "# This file is yours to edit: swap a theme or an activity for another idea id (add the\n"
        "# idea under `ideas:`), change times, reword a how-to. Then run `csw render plan.yaml`\n"
        "# to re-render the agenda, calendar and poster from it. `csw plan` will not overwrite\n"
        "# this file once you have edited it, unless you add --force.\n"
        f"# csw-checksum: {checksum}\n"
    )


def _rate_line(plan: Plan) -> str:
    """Where prices under `ideas:` are in USD and the team pays in another currency, say so."""
    team = plan.team
    if team.usd_rate is None or team.currency == "USD":
        return ""
    return (
        f"# Prices under `ideas:` are in USD (unless an idea gives its currency), at"
        f" {team.usd_rate:g} {team.currency} a dollar.\n"
    )


def plan_text(plan: Plan) -> str:
    body = plan_body(plan)
    return _header(plan, body) + body


def was_edited(text: str) -> bool:
    """True when a plan.yaml's body no longer matches the checksum csw wrote in its header."""
    found = _CHECKSUM.search(text)
    if not found:
        return True
    body = text[found.end() + 1 :]
    return hashlib.sha256(body.encode("utf-8")).hexdigest() != found[1]


def parse_plan(text: str, source: str) -> Plan:
    """A Plan from plan.yaml text; errors name `source`:line and the field."""
    try:
        document = YamlDocument(text)
    except YamlSyntaxError as error:
        place = f"{source}:{error.line}" if error.line else source
        raise PlanError(f"{place}: invalid YAML: {error.problem}", hint=_FIX_PLAN) from None
    if not isinstance(document.data, dict):
        raise PlanError(f"{source}:1: not a plan (expected keys such as year, days, ideas)", hint=_FIX_PLAN)
    try:
        return Plan.model_validate(document.data)
    except ValidationError as invalid:
        named = _rule_loc(invalid)

        def where(loc: Loc) -> str:
            return f"{source}:{document.line_of(loc or named) or 1}"

        raise PlanError("\n".join(describe(invalid, where, field_names([Plan]))), hint=_FIX_PLAN) from None


_FIX_PLAN = "Fix the plan file (or re-plan with `csw plan YEAR --force`) and run the command again."


def _rule_loc(error: ValidationError) -> Loc:
    # pydantic reports a whole-plan rule at the top level; the rule's own error knows the field.
    for item in error.errors(include_url=False):
        rule = item.get("ctx", {}).get("error")
        if isinstance(rule, PlanRuleError):
            return rule.loc
    return ()


def load_plan(path: Path) -> Plan:
    try:
        text = read_utf8(path)
    except FileNotFoundError:
        raise PlanError(f"{path}: no such plan file.", hint="Run `csw plan YEAR` to make one.") from None
    except OSError as error:  # a plan that is not UTF-8 raises NotUtf8Error, which says what to do
        raise PlanError(f"{path}: cannot read the plan: {error}.") from None
    return parse_plan(text, str(path))
