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
from functools import cache

from policyreason.checks import (
    CheckContext,
    CheckInfo,
    Evidence,
    Family,
    rule_for_diagnostic,
    run_checks,
)
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


# A rule's page and its summary are made from one reading of its docstring.
@cache
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


_EVIDENCE = {
    Evidence.PARSER: "the policy reader: a located input error (exit 2)",
    Evidence.SYNTACTIC: "the policy text and the service authorization reference",
    Evidence.WITNESS: "a request the solver found, re-checked by the concrete evaluator",
    Evidence.PROOF: "a proof by the solver",
    Evidence.PACKET: "a packet the solver found, with every hop of its path",
    Evidence.UNKNOWN: "the reason the question could not be decided",
}
_VERB = {Family.CHANGE: "`policyreason diff`", Family.NETWORK: "`policyreason reach`"}


def markdown(info: CheckInfo) -> str:
    """The rule's documentation page (docs/rules/, SARIF help, `explain`)."""
    doc = parse_doc(info.doc)
    if info.family is not Family.LINT:
        return _verb_page(info, doc)
    kinds = ", ".join(k.value for k in PolicyKind if info.kinds is None or k in info.kinds)
    lines = [
        f"# {info.id}: {info.title}",
        "",
        "| | |",
        "|---|---|",
        f"| Severity | {info.severity.value} |",
        f"| IAM Access Analyzer code | {f'`{info.aa_code}`' if info.aa_code else 'none'} |",
        f"| Evidence | {_EVIDENCE[info.evidence]} |",
        f"| Policy types | {'all' if info.kinds is None else kinds} |",
        "",
        doc.body,
        "",
        f"**Fix:** {info.fix}",
    ]
    for example in doc.examples:
        options = ", ".join(f"{k}: {v}" for k, v in example.options.items())
        heading = "Fails" if example.fails else "Passes"
        lines += ["", f"## {heading}" + (f" ({options})" if options else ""), ""]
        lines += ["```json", example.text.rstrip("\n"), "```"]
    return "\n".join(lines) + "\n"


def _verb_page(info: CheckInfo, doc: RuleDoc) -> str:
    lines = [
        f"# {info.id}: {info.title}",
        "",
        "| | |",
        "|---|---|",
        f"| Severity | {info.severity.value} |",
        f"| Reported by | {_VERB[info.family]} |",
        f"| Evidence | {_EVIDENCE[info.evidence]} |",
        "",
        doc.body,
        "",
        f"**Fix:** {info.fix}",
    ]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """docs/rules/: one page per rule, and README.md indexing them by rule and by Access
    Analyzer code, with the codes not checked and why. Generated; a test keeps it in sync."""
    from policyreason.checks import all_checks, all_rules
    from policyreason.checks.aa_reference import NOT_CHECKED, REFERENCE

    rules = all_checks()
    out = {f"{info.id}.md": markdown(info) for info in all_rules()}
    lines = [
        "# Rules",
        "",
        "Generated from the rules' docstrings by `python scripts/gen_rule_docs.py`; do not edit.",
        "`policyreason explain RULE` prints the same page (RULE is an id or an IAM Access",
        "Analyzer code).",
        "",
        "| Rule | Severity | IAM Access Analyzer code | Evidence | Title |",
        "|---|---|---|---|---|",
    ]
    for info in rules:
        code = f"`{info.aa_code}`" if info.aa_code else ""
        lines.append(
            f"| [{info.id}]({info.id}.md) | {info.severity.value} | {code} | "
            f"{info.evidence.value} | {info.title} |"
        )
    lines += [
        "",
        "## IAM Access Analyzer's policy checks",
        "",
        "Every issue code of Access Analyzer's policy check reference (ValidatePolicy), with the",
        "finding type AWS gives it and the rules that report it here. The list was assembled from",
        "the published reference: its current table of contents (every error and the first",
        "general warnings) and the full text of an earlier edition (meanings, messages, and the",
        "other warnings, security warnings and suggestions). For the few newer checks whose",
        "description could not be read offline, the rule's page says it follows our reading of",
        "the heading, or the code is listed below as not checked.",
        "",
        "| Code | AWS finding type | Rules |",
        "|---|---|---|",
    ]
    for entry in sorted(REFERENCE, key=lambda e: e.code):
        by = [f"[{r.id}]({r.id}.md)" for r in rules if r.aa_code == entry.code]
        where = ", ".join(by) if by else "not checked (below)"
        lines.append(f"| `{entry.code}` | {entry.severity.value} | {where} |")
    lines += ["", "## Codes not checked", ""]
    for code, reason in sorted(NOT_CHECKED.items()):
        lines.append(f"- `{code}`: {reason}.")
    for family, heading in ((Family.CHANGE, "Change rules"), (Family.NETWORK, "Network rules")):
        lines += [
            "",
            f"## {heading} ({_VERB[family]})",
            "",
            "| Rule | Severity | Evidence | Title |",
            "|---|---|---|---|",
        ]
        for info in all_rules(family):
            lines.append(
                f"| [{info.id}]({info.id}.md) | {info.severity.value} | "
                f"{info.evidence.value} | {info.title} |"
            )
    out["README.md"] = "\n".join(lines) + "\n"
    return out
