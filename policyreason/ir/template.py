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

Which values a deployment can give is read off the name (pseudo parameters: the owner account
is 12 digits, the partition one of AWS's, the URL suffix the partition's) and off where the
value stands (`shapes`): AWS rejects a policy whose Principal is not an account or an IAM ARN,
or whose Resource is not an ARN, so a reference that starts a Principal or a Resource makes
one, and a reference inside an ARN segment that is not the last holds no `:`.
`smt/encode_template.py` encodes the same rules; `admits` checks a value against them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from enum import Enum, StrEnum

from policyreason.ir.pattern import Pattern, Variable, arn_segments, ascii_lower
from policyreason.ir.policy import Family, Policy, PrincipalType

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


def names_in(policy: Policy) -> tuple[str, ...]:
    """The template values a policy references, each once, in order."""
    found: dict[str, None] = {}
    for stmt in policy.statements:
        patterns = [*stmt.actions, *(stmt.resources or ())]
        patterns += [v.pattern for c in stmt.conditions for v in c.values if v.pattern]
        for p in patterns:
            found.update(dict.fromkeys(pattern_refs(p)))
        for entry in stmt.principal.entries if stmt.principal else ():
            found.update(dict.fromkeys(refs(entry.value)))
        found.update(dict.fromkeys(c.key for c in stmt.when))
    return tuple(found)


class Shape(Enum):
    """What a value must look like where it stands."""

    NO_COLON = "inside an ARN segment"
    ACCOUNT = "an account id"
    ARN = "an ARN"
    AWS_PRINCIPAL = "an account id or an IAM ARN"
    BOOL = "true or false"


_ACCOUNT_ID = re.compile(r"\d{12}")
_REGION = re.compile(r"[a-z]+(-[a-z]+)+-\d+")
_ARN = re.compile(r"arn:(.*:){4}.*", re.DOTALL)
_IAM_ARN = re.compile(r"arn:[^:]+:(iam|sts)::\d{12}:.+", re.DOTALL)
ROOT_ARN = re.compile(r"arn:[^:]+:iam::(\d{12}):root")


def shapes(policies: Iterable[Policy]) -> dict[str, set[Shape]]:
    """Every template value the policies reference, with the shapes where it stands demand
    (and the partition, which the URL suffix follows)."""
    out: dict[str, set[Shape]] = {}
    for policy in policies:
        for stmt in policy.statements:
            for p in stmt.actions:
                for name in pattern_refs(p):
                    out.setdefault(name, set())
            for p in stmt.resources or ():
                _arn_shapes(p, out)
                if p.parts and isinstance(p.parts[0], Variable) and is_template(p.parts[0]):
                    out[p.parts[0].key].add(Shape.ARN)
            for entry in stmt.principal.entries if stmt.principal else ():
                for name in refs(entry.value):
                    out.setdefault(name, set())
                if entry.type is PrincipalType.AWS:
                    _principal_shapes(entry.value, out)
            for cond in stmt.when:
                out.setdefault(cond.key, set()).add(Shape.BOOL)
            for cond in stmt.conditions:
                for v in cond.values:
                    if v.pattern is None:
                        continue
                    if cond.op.family is Family.ARN:
                        # ARN operators match ARNs only: a value that is the whole text is one.
                        _arn_shapes(v.pattern, out)
                        head = v.pattern.parts[0] if v.pattern.parts else None
                        if isinstance(head, Variable) and is_template(head):
                            out[head.key].add(Shape.ARN)
                    for name in pattern_refs(v.pattern):
                        out.setdefault(name, set())
                        if cond.op.family is Family.BOOL:
                            out[name].add(Shape.BOOL)
    if any(kind(n) is Kind.URL_SUFFIX for n in out):
        out.setdefault(PARTITION, set())
    return out


def admits(name: str, value: str, demands: Iterable[Shape], bindings: Mapping[str, str]) -> bool:
    """A deployment can give `value` to the template value `name` standing where `demands`
    say (`bindings` gives the partition the URL suffix follows)."""
    if not value or any(c in value for c in "$*?"):
        return False
    k = kind(name)
    if k is Kind.ACCOUNT and not _ACCOUNT_ID.fullmatch(value):
        return False
    if k is Kind.REGION and not _REGION.fullmatch(value):
        return False
    if k is Kind.PARTITION and value not in URL_SUFFIXES:
        return False
    if k is Kind.URL_SUFFIX and URL_SUFFIXES.get(bindings.get(PARTITION, "")) != value:
        return False
    return all(_fits(value, shape) for shape in demands)


def _fits(value: str, shape: Shape) -> bool:
    if shape is Shape.NO_COLON:
        return ":" not in value
    if shape is Shape.ACCOUNT:
        return _ACCOUNT_ID.fullmatch(value) is not None
    if shape is Shape.ARN:
        return _ARN.fullmatch(value) is not None
    if shape is Shape.BOOL:
        return value in ("true", "false")
    return _ACCOUNT_ID.fullmatch(value) is not None or _IAM_ARN.fullmatch(value) is not None


def _arn_shapes(pattern: Pattern, out: dict[str, set[Shape]]) -> None:
    segments = arn_segments(pattern)
    for i, segment in enumerate(segments):
        for part in segment:
            if isinstance(part, Variable) and is_template(part):
                out.setdefault(part.key, set())
                if i < len(segments) - 1:
                    out[part.key].add(Shape.NO_COLON)


def _principal_shapes(value: str, out: dict[str, set[Shape]]) -> None:
    names = refs(value)
    if names and value.startswith(reference(names[0])):
        whole = value == reference(names[0])
        out[names[0]].add(Shape.AWS_PRINCIPAL if whole else Shape.ARN)
        if not whole:
            return
    segments = value.split(":", 5)
    for i, segment in enumerate(segments[:-1]):
        for name in refs(segment):
            out[name].add(Shape.NO_COLON)
            if i == 4 and segment == reference(name):
                out[name].add(Shape.ACCOUNT)
