"""Smart constructors over cvc5 terms: fold constants so trivial queries never reach the solver.

Encoders build terms only through these helpers (and the term manager for leaves).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

import cvc5
from cvc5 import Kind

# cvc5 ships no type information; terms are opaque to the type checker.
Term: TypeAlias = Any

MAX_CHAR = 0x2FFFF  # the largest character of SMT-LIB's string theory


class Factory:
    """Term constructors bound to one term manager."""

    def __init__(self, tm: cvc5.TermManager) -> None:
        self.tm = tm
        self.true = tm.mkTrue()
        self.false = tm.mkFalse()
        self.string_sort = tm.getStringSort()
        self.int_sort = tm.getIntegerSort()
        self.bool_sort = tm.getBooleanSort()
        self.all_re = tm.mkTerm(Kind.REGEXP_STAR, tm.mkRegexpAllchar())
        self.any_char_re = tm.mkRegexpAllchar()
        # [^:] as two ranges around ':' (0x3A): cvc5 solves this far faster than re.diff.
        self.no_colon_char_re = tm.mkTerm(
            Kind.REGEXP_UNION,
            tm.mkTerm(Kind.REGEXP_RANGE, tm.mkString(chr(0)), tm.mkString("9")),
            tm.mkTerm(Kind.REGEXP_RANGE, tm.mkString(";"), tm.mkString(chr(MAX_CHAR))),
        )
        self.no_colon_re = tm.mkTerm(Kind.REGEXP_STAR, self.no_colon_char_re)

    def const(self, sort: cvc5.Sort, name: str) -> Term:
        return self.tm.mkConst(sort, name)

    def string(self, text: str) -> Term:
        return self.tm.mkString(text)

    def integer(self, n: int) -> Term:
        # mkInteger takes a C int; larger values go through their decimal text.
        return self.tm.mkInteger(str(n)) if abs(n) >= 2**31 else self.tm.mkInteger(n)

    def and_(self, terms: Iterable[Term]) -> Term:
        kept: list[Term] = []
        for t in terms:
            if t == self.false:
                return self.false
            if t != self.true:
                kept.append(t)
        if not kept:
            return self.true
        return kept[0] if len(kept) == 1 else self.tm.mkTerm(Kind.AND, *kept)

    def or_(self, terms: Iterable[Term]) -> Term:
        kept: list[Term] = []
        for t in terms:
            if t == self.true:
                return self.true
            if t != self.false:
                kept.append(t)
        if not kept:
            return self.false
        return kept[0] if len(kept) == 1 else self.tm.mkTerm(Kind.OR, *kept)

    def not_(self, t: Term) -> Term:
        if t == self.true:
            return self.false
        if t == self.false:
            return self.true
        if t.getKind() == Kind.NOT:
            return t[0]
        return self.tm.mkTerm(Kind.NOT, t)

    def implies(self, a: Term, b: Term) -> Term:
        return self.or_([self.not_(a), b])

    def ite(self, c: Term, a: Term, b: Term) -> Term:
        if c == self.true:
            return a
        if c == self.false:
            return b
        return self.tm.mkTerm(Kind.ITE, c, a, b)

    def eq(self, a: Term, b: Term) -> Term:
        return self.tm.mkTerm(Kind.EQUAL, a, b)

    def bool_const(self, value: bool) -> Term:
        return self.true if value else self.false

    def app(self, kind: Kind, *args: Term) -> Term:
        """Any other operator (comparisons, string and bitvector functions)."""
        return self.tm.mkTerm(kind, *args)

    # -- regular expressions -------------------------------------------------------------------

    def re_lit(self, text: str) -> Term:
        return self.tm.mkTerm(Kind.STRING_TO_REGEXP, self.tm.mkString(text))

    def re_of(self, s: Term) -> Term:
        """The regex matching exactly the (possibly symbolic) string `s`."""
        return self.tm.mkTerm(Kind.STRING_TO_REGEXP, s)

    def re_concat(self, parts: list[Term]) -> Term:
        if not parts:
            return self.re_lit("")
        return parts[0] if len(parts) == 1 else self.tm.mkTerm(Kind.REGEXP_CONCAT, *parts)

    def re_union(self, parts: list[Term]) -> Term:
        return parts[0] if len(parts) == 1 else self.tm.mkTerm(Kind.REGEXP_UNION, *parts)

    def re_inter(self, a: Term, b: Term) -> Term:
        return self.tm.mkTerm(Kind.REGEXP_INTER, a, b)

    def re_plus(self, r: Term) -> Term:
        return self.tm.mkTerm(Kind.REGEXP_PLUS, r)

    def re_star(self, r: Term) -> Term:
        return self.tm.mkTerm(Kind.REGEXP_STAR, r)

    def re_range(self, lo: str, hi: str) -> Term:
        return self.tm.mkTerm(Kind.REGEXP_RANGE, self.tm.mkString(lo), self.tm.mkString(hi))

    def re_repeat(self, r: Term, n: int) -> Term:
        op = self.tm.mkOp(Kind.REGEXP_REPEAT, n)
        return self.tm.mkTerm(op, r)

    def in_re(self, s: Term, r: Term) -> Term:
        return self.tm.mkTerm(Kind.STRING_IN_REGEXP, s, r)
