"""Template values: what a policy's template leaves to the deployment, as named symbols.

A CloudFormation parameter without a default, a `!GetAtt`, an `!ImportValue`, a pseudo
parameter, a placeholder such as `${ORG_ID}` in a policy file that a template engine fills in:
each is a *template value*, written in the policy text as a reference `${Name}` and shared by
every place that names it. Every condition key AWS defines has a service prefix (`aws:`,
`s3:`...), so a reference without `:` can never be a policy variable: that is what marks it.
Names keep their case. CloudFormation's pseudo parameters are spelt `${AWS::Region}` in
templates; inside policies they are `${AWS.Region}`, so that no reference holds a `:` and ARNs
built around them still split into their segments at the right places.

A template value is one fixed string per deployment, never empty, and read as text (a `*`, `?`
or `$` in it would not be a wildcard). The solver chooses it; a witness carries the values it
chose (`Request.bindings`), and the concrete evaluator reads references from those bindings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import StrEnum

from policyreason.ir.pattern import Pattern, Variable, ascii_lower

# The characters of a policy variable's key (grammars/pattern.lark) but `:`.
NAME = r"[A-Za-z0-9_.\/\-@+=]+"
_REF = re.compile(r"\$\{(" + NAME + r")\}")
_NAME = re.compile(NAME)
PSEUDO_PREFIX = "AWS."


class Kind(StrEnum):
    """What a template value can be, read off its name."""

    FREE = "free"  # any non-empty text
    ACCOUNT = "account"  # the stack's own account: 12 digits
    REGION = "region"
    PARTITION = "partition"
    URL_SUFFIX = "url-suffix"  # the domain of the partition's endpoints


PSEUDO_PARAMETERS: dict[str, Kind] = {
    "AWS.AccountId": Kind.ACCOUNT,
    "AWS.Region": Kind.REGION,
    "AWS.Partition": Kind.PARTITION,
    "AWS.URLSuffix": Kind.URL_SUFFIX,
    "AWS.StackName": Kind.FREE,
    "AWS.StackId": Kind.FREE,
}
OWNER = "AWS.AccountId"
PARTITION = "AWS.Partition"
# The domain of each partition's endpoints (AWS::URLSuffix).
URL_SUFFIXES = {
    "aws": "amazonaws.com",
    "aws-cn": "amazonaws.com.cn",
    "aws-us-gov": "amazonaws.com",
    "aws-iso": "c2s.ic.gov",
    "aws-iso-b": "sc2s.sgov.gov",
    "aws-iso-e": "cloud.adc-e.uk",
    "aws-iso-f": "csp.hci.ic.gov",
}


def template_name(key: str) -> str | None:
    """The template value a policy variable's key names (`AWS::Region` as `AWS.Region`), or
    None when the key is a condition key."""
    if key.startswith("AWS::"):
        return PSEUDO_PREFIX + key[len("AWS::") :]
    return key if ":" not in key else None


def is_template(var: Variable) -> bool:
    """The variable is a template value, not a condition key."""
    return ":" not in var.key


def kind(name: str) -> Kind:
    """What values the template value can take."""
    return PSEUDO_PARAMETERS.get(name, Kind.FREE)


def label(name: str) -> str:
    """The name as a user writes it: pseudo parameters with `::`."""
    if name.startswith(PSEUDO_PREFIX):
        return "AWS::" + name[len(PSEUDO_PREFIX) :]
    return name


def reference(name: str) -> str:
    """The text that stands for the value inside a policy."""
    return "${" + name + "}"


def safe_name(text: str) -> str:
    """`text` with every character a name cannot hold replaced by `.` (export names and
    expressions become names)."""
    return "".join(c if _NAME.fullmatch(c) else "." for c in text) or "value"


def canonical(text: str) -> str:
    """`text` with `${AWS::Name}` references spelt `${AWS.Name}`."""
    return text.replace("${AWS::", "${" + PSEUDO_PREFIX)


def refs(text: str) -> list[str]:
    """The names of the template values `text` references, in order."""
    return _REF.findall(text)


def has_refs(text: str) -> bool:
    """`text` references a template value."""
    return _REF.search(text) is not None


def pieces(text: str) -> Iterator[tuple[str, bool]]:
    """`text` as (literal, False) and (name, True) pieces."""
    position = 0
    for match in _REF.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], False
        yield match.group(1), True
        position = match.end()
    if position < len(text):
        yield text[position:], False


def bind(text: str, bindings: Mapping[str, str]) -> str | None:
    """`text` with each reference replaced by its value; None if one has no value."""
    out: list[str] = []
    for piece, is_ref in pieces(text):
        if not is_ref:
            out.append(piece)
        elif piece in bindings:
            out.append(bindings[piece])
        else:
            return None
    return "".join(out)


def lower(text: str) -> str:
    """`text` lower-cased (A-Z only) outside its references, whose names keep their case."""
    return "".join(reference(p) if is_ref else ascii_lower(p) for p, is_ref in pieces(text))


def show(text: str) -> str:
    """`text` with its references spelt as the user writes them (`${AWS::AccountId}`)."""
    return "".join(reference(label(p)) if is_ref else p for p, is_ref in pieces(text))


def pattern_refs(pattern: Pattern) -> list[str]:
    """The template values a pattern references."""
    return [p.key for p in pattern.parts if isinstance(p, Variable) and is_template(p)]
