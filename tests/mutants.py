"""Deterministic mutants of a policy document, each with the verdicts its comparison with the
original may have: the workload of the mutant benchmark and of the verdict snapshot.

- drop-action: remove one action of an Allow statement that lists several      (expect <=)
- widen-action: replace an Allow action by its service's `service:*`            (expect >=)
- narrow-resource: an Allow statement's `*` resource becomes one bucket ARN      (expect <=)
- widen-resource: an Allow statement's resources become `*`                       (expect >=)
- drop-condition: remove the Condition block of an Allow statement               (expect >=)
- add-condition: add `aws:SourceIp` 192.0.2.0/24 to an Allow statement           (expect <=)

Only Allow statements are mutated and each policy is Allow-minus-Deny on its own, so the
direction is determined: `<=` means equivalent or less permissive, `>=` equivalent or more.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from policyreason.analysis.compare import CompareVerdict

LESS = {CompareVerdict.EQUIVALENT, CompareVerdict.LESS_PERMISSIVE}
MORE = {CompareVerdict.EQUIVALENT, CompareVerdict.MORE_PERMISSIVE}
Json = dict[str, Any]


def _statements(doc: Json) -> list[Json]:
    body = doc.get("Statement")
    items = body if isinstance(body, list) else [body]
    return [s for s in items if isinstance(s, dict)]


def _allows(doc: Json) -> Iterator[tuple[int, Json]]:
    for index, statement in enumerate(_statements(doc)):
        if statement.get("Effect") == "Allow" and "Action" in statement:
            yield index, statement


def _as_list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _mutated(doc: Json, index: int, change: Callable[[Json], None]) -> Json:
    out = copy.deepcopy(doc)
    body = out["Statement"]
    if isinstance(body, list):
        change([s for s in body if isinstance(s, dict)][index])
    else:
        change(body)
    return out


def _setter(key: str, value: object) -> Callable[[Json], None]:
    return lambda statement: statement.update({key: value})


def mutants(doc: Json) -> Iterator[tuple[str, set[CompareVerdict], Json]]:
    """(mutation, allowed verdicts, mutated document) for the first place each one fits."""
    allows = list(_allows(doc))
    for index, st in allows:
        actions = _as_list(st["Action"])
        if len(actions) > 1:
            yield "drop-action", LESS, _mutated(doc, index, _setter("Action", actions[1:]))
            break
    for index, st in allows:
        actions = _as_list(st["Action"])
        named = [a for a in actions if isinstance(a, str) and ":" in a and a.split(":")[1] != "*"]
        if named:
            wide = named[0].split(":")[0] + ":*"
            rest = [a for a in actions if a != named[0]]
            yield "widen-action", MORE, _mutated(doc, index, _setter("Action", [wide, *rest]))
            break
    for index, st in allows:
        if st.get("Resource") in ("*", ["*"]):
            yield (
                "narrow-resource",
                LESS,
                _mutated(doc, index, _setter("Resource", "arn:aws:s3:::bench-bucket/*")),
            )
            break
    for index, st in allows:
        if "Resource" in st and st.get("Resource") not in ("*", ["*"]):
            yield "widen-resource", MORE, _mutated(doc, index, _setter("Resource", "*"))
            break
    for index, st in allows:
        if "Condition" in st:
            yield "drop-condition", MORE, _mutated(doc, index, lambda s: s.pop("Condition"))
            break
    for index, _st in allows:

        def add(s: Json) -> None:
            cond = s.setdefault("Condition", {})
            cond.setdefault("IpAddress", {})["aws:SourceIp"] = "192.0.2.0/24"

        yield "add-condition", LESS, _mutated(doc, index, add)
        break
