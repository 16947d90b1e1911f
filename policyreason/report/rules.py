"""The rule catalogue (`checks/`) as reporters document it: one RuleInfo per rule of a verb."""

from __future__ import annotations

from functools import cache

from policyreason.checks import Family
from policyreason.report import RuleInfo


@cache
def rule_infos(family: Family = Family.LINT) -> tuple[RuleInfo, ...]:
    """Every rule of one family (the verb that reports it), ordered by id."""
    from policyreason.checks import all_rules
    from policyreason.checks.rule_docs import markdown, parse_doc

    return tuple(
        RuleInfo(
            id=c.id,
            title=c.title,
            help=markdown(c),
            summary=parse_doc(c.doc).summary,
            severity=c.severity,
            aa_code=c.aa_code,
            evidence=c.evidence.value,
            family=c.family.value,
        )
        for c in all_rules(family)
    )
