"""Checking the request pieces a verb takes on the command line (actions, resource ARNs,
condition keys, account ids) against the service authorization reference, so that a typo is
a usage error with a did-you-mean instead of a confident answer about an action that does not
exist ("s3:GetObjekt: not granted (proven)")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

from policyreason.data import reference as ref
from policyreason.data.global_keys import GLOBAL_KEYS

PARTITIONS = ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f")


def action_problem(text: str, patterns: bool) -> str | None:
    """Why `text` is no action (or, with `patterns`, no action pattern matching one), or None."""
    if text == "*":
        return None if patterns else "a request has one action, not '*'"
    service, sep, name = text.partition(":")
    if not sep or not service or not name:
        return f"{text!r} is not of the form service:Action{_bare_hint(text)}"
    wild = any(c in text for c in "*?")
    if wild and not patterns:
        return f"a request has one action, not a pattern ({text!r}); `not-granted` takes patterns"
    if not any(c in service for c in "*?") and ref.service(service) is None:
        hint = _did_you_mean(service, ref.service_prefixes())
        return f"unknown service prefix {service!r} in {text!r}{hint}"
    if wild:
        return None if ref.actions_matching(text) else f"{text!r} matches no action"
    if ref.action(text) is None:
        svc = ref.service(service)
        assert svc is not None
        names = [f"{svc.prefix}:{a.name}" for a in svc.actions.values()]
        return f"unknown action {text!r}{_did_you_mean(text, names)}"
    return None


def resource_problem(text: str, patterns: bool, action: str | None = None) -> str | None:
    """Why `text` is neither `*` nor a well-formed ARN (wildcards allowed with `patterns`)."""
    if text == "*":
        return None
    parts = text.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return (
            f"resource {text!r} is not an ARN (arn:partition:service:region:account:resource)"
            f' or "*"{_arn_hint(text, action)}'
        )
    _arn, partition, service, _region, account, resource = parts
    if not _fits(partition, PARTITIONS, patterns):
        return f"unknown partition {partition!r} in {text!r}{_did_you_mean(partition, PARTITIONS)}"
    if not _fits(service, _arn_services(), patterns):
        hint = _did_you_mean(service, sorted(_arn_services()))
        return f"unknown service {service!r} in the ARN {text!r}{hint}"
    # AWS managed policies live in the account "aws" (arn:aws:iam::aws:policy/...).
    if account and not _fits(account, ("aws",), patterns) and not _is_account(account):
        return f"the account of {text!r} must be 12 digits, not {account!r}"
    if not resource:
        return f"the ARN {text!r} names no resource (nothing after the fifth ':')"
    return None


def condition_key_problem(key: str) -> str | None:
    """Why `key` is no condition key AWS documents, or None (identity providers' own claims,
    `token.actions.githubusercontent.com:sub`, are accepted as they are)."""
    prefix, sep, _name = key.partition(":")
    if not sep or not prefix:
        return f"condition key {key!r} has no prefix (aws:, s3:, ...)"
    if ref.condition_key(key) is not None:
        return None
    lowered = prefix.lower()
    if lowered == "aws":
        return f"{key!r} is not a global condition key{_did_you_mean(key, list(GLOBAL_KEYS))}"
    svc = ref.service(lowered)
    if svc is not None:
        names = [k.name for k in svc.keys.exact.values()]
        return f"{svc.prefix} has no condition key {key!r}{_did_you_mean(key, names)}"
    if "." in prefix or "/" in prefix or ref.key_prefix_services(lowered):
        return None
    hint = _did_you_mean(prefix, ["aws", *ref.service_prefixes()])
    return f"condition key {key!r} has an unknown prefix {prefix!r}{hint}"


def account_problem(text: str) -> str | None:
    """Why `text` is no 12-digit account id, or None."""
    return None if _is_account(text) else f"an account id is 12 digits, not {text!r}"


def principal_problem(text: str) -> str | None:
    """Why `text` is no principal (an ARN, an account id or a service name), or None."""
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) < 6 or not parts[5]:
            return f"principal {text!r} is not a well-formed ARN"
        return None
    if text.isdigit() and not _is_account(text):
        return account_problem(text)
    return None


def _is_account(text: str) -> bool:
    return len(text) == 12 and text.isdigit()


def _fits(segment: str, known: Iterable[str], patterns: bool) -> bool:
    if patterns and any(c in segment for c in "*?$"):
        return True
    return segment in known


@cache
def _arn_services() -> frozenset[str]:
    # The service segment of every ARN format the reference documents, and the prefixes.
    found = set(ref.service_prefixes())
    for prefix in ref.service_prefixes():
        svc = ref.service(prefix)
        assert svc is not None
        for resource_type in svc.resource_types.values():
            for arn in resource_type.arn_formats:
                parts = arn.split(":")
                if len(parts) > 2 and "$" not in parts[2]:
                    found.add(parts[2])
    return frozenset(found)


def _bare_hint(name: str) -> str:
    """The actions called `name` (any case) in some service, for a name given bare."""
    found = [
        f"{prefix}:{action.name}"
        for prefix in ref.service_prefixes()
        if (svc := ref.service(prefix)) is not None and (action := svc.action(name)) is not None
    ]
    if not found:
        return ""
    if len(found) == 1:
        return f" (did you mean {found[0]!r}?)"
    more = f" and {len(found) - 3} more" if len(found) > 3 else ""
    return f" (did you mean one of {', '.join(repr(f) for f in found[:3])}{more}?)"


def _arn_hint(text: str, action: str | None) -> str:
    # A bucket or bucket/key given bare, for an S3 action: the ARN it stands for.
    if action is not None and action.lower().startswith("s3:") and ":" not in text:
        return f" (did you mean 'arn:aws:s3:::{text}'?)"
    return ""


def _did_you_mean(text: str, choices: Iterable[str]) -> str:
    options = list(choices)
    lowered = {c.lower(): c for c in options}
    target = text.lower()
    if target in lowered:
        return f" (did you mean {lowered[target]!r}?)"
    if len(target) <= 4:
        # Ratios say little about two- or three-letter names ("s4", "awz"): one edit away,
        # the same first letter preferred.
        near = sorted((c[:1] != target[:1], c) for c in lowered if _one_edit_apart(target, c))
        return f" (did you mean {lowered[near[0][1]]!r}?)" if near else ""
    close = difflib.get_close_matches(target, list(lowered), n=1, cutoff=0.75)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def _one_edit_apart(a: str, b: str) -> bool:
    """One character replaced, inserted or deleted."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
