"""A rule's documentation, read from its docstring: the explanation, and the examples that show
it firing and not firing.

Docstring layout (the examples are indented by four spaces):

    What the rule finds and why it matters, in one or more paragraphs.

    Fails (kind: trust):

        {"Version": "2012-10-17", "Statement": [...]}

    Passes:

        {"Version": "2012-10-17", "Statement": [...]}

The parenthesised options say how to read the example: `kind` (identity, resource, trust, scp,
rcp, boundary, session, endpoint; default: the first kind the rule applies to, else detected),
`zone-of-trust`, `resource-type` and `attachment`, as the configuration spells them. The same
examples are shown by `policyreason explain`, written to docs/rules/ and run by the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from policyreason.checks import CheckContext, CheckInfo, rule_for_diagnostic, run_checks
from policyreason.ir.policy import PolicyKind

_HEADER = re.compile(r"^(Fails|Passes)(?: \((?P<options>[^)]*)\))?:$")
_KIND_ORDER = tuple(PolicyKind)


@dataclass(frozen=True)
class Example:
    """One example of a rule: a policy document that should (or should not) trigger it."""

    fails: bool
    text: str
    options: dict[str, str]


@dataclass(frozen=True)
class RuleDoc:
    """A docstring split into its explanation and its examples."""

    summary: str
    body: str
    examples: tuple[Example, ...]


def parse_doc(doc: str) -> RuleDoc:
    """Split a rule's docstring (see the module docstring for the layout)."""
    lines = doc.splitlines()
    body: list[str] = []
    examples: list[Example] = []
    index = 0
    while index < len(lines):
        header = _HEADER.match(lines[index].strip())
        if header is None or lines[index].startswith(" "):
            body.append(lines[index])
            index += 1
            continue
        index += 1
        block: list[str] = []
        while index < len(lines) and (not lines[index].strip() or lines[index].startswith("    ")):
            block.append(lines[index][4:])
            index += 1
        examples.append(
            Example(
                fails=header.group(1) == "Fails",
                text="\n".join(block).strip("\n") + "\n",
                options=_options(header.group("options") or ""),
            )
        )
    text = "\n".join(body).strip()
    summary = text.split("\n\n", 1)[0].replace("\n", " ")
    return RuleDoc(summary=summary, body=text, examples=tuple(examples))


def _options(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, _sep, value = item.partition(":")
        out[key.strip()] = value.strip()
    return out


def example_kind(info: CheckInfo, example: Example) -> PolicyKind | None:
    """The kind an example is read as: its own option, else the rule's first kind, else None
    (detected from the statements)."""
    if "kind" in example.options:
        return PolicyKind(example.options["kind"])
    if info.kinds is None:
        return None
    return next(k for k in _KIND_ORDER if k in info.kinds)


def rules_reported(info: CheckInfo, example: Example) -> set[str]:
    """The ids of the rules an example triggers among `info` and the grammar rules: run
    through the policy reader and `info`'s check, as `policyreason check` would."""
    from policyreason.analysis.scope import parse_zone
    from policyreason.parse.policy import parse_policy_text

    kind = example_kind(info, example)
    parsed = parse_policy_text(example.text, "example.json", kind)
    found: set[str] = set()
    policy_kind = parsed.policy.kind if parsed.policy is not None else kind
    for diag in parsed.diagnostics:
        rule = rule_for_diagnostic(diag.code, policy_kind)
        if rule is not None:
            found.add(rule.id)
    if parsed.policy is None or info.function is None:
        return found
    zone = example.options.get("zone-of-trust")
    context = CheckContext(
        source=example.text,
        root=parsed.root,
        attachment=example.options.get("attachment", "managed"),
        zone=parse_zone(tuple(zone.split())) if zone else None,
        resource_type=example.options.get("resource-type"),
    )
    found |= {f.rule_id for f in run_checks(parsed.policy, enabled=[info.id], context=context)}
    return found
