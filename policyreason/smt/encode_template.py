"""Template values (`ir/template.py`) as SMT strings: one constant per name, shared by every
policy encoded over the same request, ranging over the values a deployment can give it (the
rules of `ir.template.shapes` and `ir.template.admits`, as constraints).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cvc5 import Kind as Op

from policyreason.data.requests import PARTITIONS
from policyreason.errors import EncodeError
from policyreason.ir.pattern import Pattern, ascii_lower
from policyreason.ir.policy import Family, Policy
from policyreason.ir.template import (
    PARTITION,
    URL_SUFFIXES,
    Kind,
    Shape,
    kind,
    label,
    pattern_refs,
    pieces,
    shapes,
)
from policyreason.smt.factory import Factory, Term


class TemplateTerms:
    """The template values of some policies as string constants, with their domains."""

    def __init__(self, f: Factory, policies: Sequence[Policy]) -> None:
        self.f = f
        self._shapes = shapes(policies)
        self.terms = {n: f.const(f.string_sort, f"template[{n}]") for n in sorted(self._shapes)}

    def value(self, name: str) -> Term:
        """The value of the template value called `name`."""
        found = self.terms.get(name)
        if found is None:
            raise EncodeError(f"internal: template value {label(name)} was not declared")
        return found

    def text(self, text: str, fold: bool = False) -> Term:
        """A text with references as one string term (with `fold`, lower-cased)."""
        f = self.f
        parts: list[Term] = []
        for piece, is_ref in pieces(text):
            if is_ref:
                term = self.value(piece)
                lower = fold and not self._lower_case(piece)
                parts.append(f.app(Op.STRING_TO_LOWER, term) if lower else term)
            else:
                parts.append(f.string(ascii_lower(piece) if fold else piece))
        if not parts:
            return f.string("")
        return parts[0] if len(parts) == 1 else f.app(Op.STRING_CONCAT, *parts)

    def case_blind(self, text: str) -> Term | None:
        """The strings equal to a text with references ignoring case (A-Z only, as
        str.to_lower), as a regex of each letter's two cases; None when a template value in it
        may hold letters. The solver settles `s in [aA][lL]...` at once where
        `str.to_lower(s) = "al..."`, over a regex-constrained `s`, could take its whole
        resource limit."""
        f = self.f
        out: list[Term] = []
        for piece, is_ref in pieces(text):
            if not is_ref:
                out.append(either_case(f, piece))
            elif self._letterless(piece):
                out.append(f.re_of(self.value(piece)))
            else:
                return None
        return f.re_concat(out)

    def _letterless(self, name: str) -> bool:
        return kind(name) is Kind.ACCOUNT or Shape.ACCOUNT in self._shapes[name]

    def _lower_case(self, name: str) -> bool:
        # Lower-casing a value whose domain has no capitals changes nothing, and str.to_lower
        # over a regex-constrained string made a query twenty times slower.
        if kind(name) in (Kind.ACCOUNT, Kind.REGION, Kind.PARTITION, Kind.URL_SUFFIX):
            return True
        return bool(self._shapes[name] & {Shape.ACCOUNT, Shape.BOOL})

    def domain(self) -> Term:
        """Every template value is one a deployment can give."""
        return self.f.and_(self._domain(n) for n in self.terms)

    def _domain(self, name: str) -> Term:
        f = self.f
        v = self.terms[name]
        # Plain string constraints: a regex over character ranges made queries several times
        # slower.
        out = [f.app(Op.GT, f.app(Op.STRING_LENGTH, v), f.integer(0))]
        out += [f.not_(f.app(Op.STRING_CONTAINS, v, f.string(c))) for c in "$*?"]
        k = kind(name)
        if k is Kind.ACCOUNT:
            out.append(f.in_re(v, _digits(f, 12)))
        elif k is Kind.REGION:
            word = f.re_plus(f.re_range("a", "z"))
            dash_word = f.re_concat([f.re_lit("-"), word])
            number = f.re_plus(f.re_range("0", "9"))
            out.append(f.in_re(v, f.re_concat([word, f.re_plus(dash_word), f.re_lit("-"), number])))
        elif k is Kind.PARTITION:
            out.append(f.or_(f.eq(v, f.string(p)) for p in PARTITIONS))
        elif k is Kind.URL_SUFFIX:
            partition = self.terms[PARTITION]
            out.append(
                f.or_(
                    f.and_([f.eq(partition, f.string(p)), f.eq(v, f.string(URL_SUFFIXES[p]))])
                    for p in PARTITIONS
                )
            )
        for shape in self._shapes[name]:
            out.append(self._shape(v, shape))
        return f.and_(out)

    def _shape(self, v: Term, shape: Shape) -> Term:
        f = self.f
        if shape is Shape.NO_COLON:
            return f.not_(f.app(Op.STRING_CONTAINS, v, f.string(":")))
        if shape is Shape.ACCOUNT:
            return f.in_re(v, _digits(f, 12))
        if shape is Shape.BOOL:
            return f.or_([f.eq(v, f.string("true")), f.eq(v, f.string("false"))])
        if shape is Shape.ARN:
            # "arn:" and four more `:`, as `arn:([^:]*:){4}.*`, but cheaper to solve.
            colon = f.re_concat([f.all_re, f.re_lit(":")])
            return f.in_re(v, f.re_concat([f.re_lit("arn:"), *[colon] * 4, f.all_re]))
        return f.in_re(v, f.re_union([_digits(f, 12), self.iam_arn_re()]))

    def iam_arn_re(self) -> Term:
        """`arn:PARTITION:iam|sts::ACCOUNT:NAME`: the ARNs a Principal may name."""
        f = self.f
        partition = f.re_plus(f.no_colon_char_re)
        service = f.re_union([f.re_lit("iam"), f.re_lit("sts")])
        return f.re_concat(
            [
                f.re_lit("arn:"),
                partition,
                f.re_lit(":"),
                service,
                f.re_lit("::"),
                _digits(f, 12),
                f.re_lit(":"),
                f.re_plus(f.any_char_re),
            ]
        )

    def root_arn_re(self) -> Term:
        """`arn:PARTITION:iam::ACCOUNT:root`: a Principal that names a whole account."""
        f = self.f
        return f.re_concat(
            [
                f.re_lit("arn:"),
                f.re_plus(f.no_colon_char_re),
                f.re_lit(":iam::"),
                _digits(f, 12),
                f.re_lit(":root"),
            ]
        )


def unsupported(policies: Iterable[Policy]) -> str | None:
    """Why the policies cannot be encoded exactly, if a template value stands where the
    encoding has no place for a symbol: an action, or a number, date or address."""
    for policy in policies:
        if policy.unmodelled:
            return "; ".join(policy.unmodelled)
        for stmt in policy.statements:
            for p in stmt.actions:
                names = pattern_refs(p)
                if names:
                    return (
                        f"{stmt.label} of {policy.name or policy.span.file}: the "
                        f"{'NotAction' if stmt.not_action else 'Action'} {p.text} depends on "
                        f"the template value {label(names[0])}, and which actions it names is "
                        "not modelled; give the value (parameters in the configuration)"
                    )
            for cond in stmt.conditions:
                if cond.op.family in (Family.STRING, Family.BINARY, Family.ARN, Family.BOOL):
                    continue
                for v in cond.values:
                    names = pattern_refs(v.pattern) if v.pattern is not None else []
                    if names:
                        return (
                            f"{stmt.label} of {policy.name or policy.span.file}: the "
                            f"{cond.operator_text} value {v.text} depends on the template value "
                            f"{label(names[0])}, and {cond.op.family.value} values from a "
                            "template are not modelled; give the value (parameters in the "
                            "configuration)"
                        )
    return None


def template_resources(
    policies: Iterable[Policy],
) -> list[tuple[Pattern, tuple[Pattern, ...], bool]]:
    """The resource patterns with template values, each with the Action list of its statement
    and whether it is a NotAction (see `smt/request_space.py`)."""
    return [
        (p, stmt.actions, stmt.not_action)
        for policy in policies
        for stmt in policy.statements
        for p in stmt.resources or ()
        if pattern_refs(p)
    ]


def _digits(f: Factory, n: int) -> Term:
    return f.re_repeat(f.re_range("0", "9"), n)


def either_case(f: Factory, text: str) -> Term:
    """The strings equal to `text` ignoring case (A-Z only, as str.to_lower): [aA][lL]..."""
    return f.re_concat(
        [
            f.re_union([f.re_lit(c.lower()), f.re_lit(c.upper())])
            if c.isascii() and c.isalpha()
            else f.re_lit(c)
            for c in text
        ]
    )
