"""Redundant statements and resources, decided semantically: a statement is redundant when the
policy without it allows exactly the same requests, a Resource pattern when its statement
without it applies to exactly the same requests (an unsat answer, not a string compare).

Only statements whose known actions (service reference) and Resource ARNs all appear in other
statements of the same effect, with no more conditions, are asked about: a statement with an
action or resource of its own is needed unless it can never apply, which the lint does not
try to prove. A statement whose every action and Resource pattern those statements hold
outright (their patterns contain its own) needs no question: the solver would prove it
redundant, as a test holds.

A suggestion is not a safety claim, so the questions get a short resource limit and a
statement whose question runs out is returned as undecided rather than waited for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

from policyreason.analysis.escalation.meet import meet
from policyreason.analysis.evaluate import DERIVED_KEYS, allows, arn_match, context_of
from policyreason.analysis.questions import applies, more_permissive
from policyreason.analysis.real_request import is_real
from policyreason.analysis.samples import statement_actions, statement_samples
from policyreason.analysis.search import Searcher
from policyreason.analysis.witness import EXAMPLE_ACCOUNT, FILLER, guessed_request
from policyreason.data import reference
from policyreason.data.requests import RESOURCE_ACCOUNT, typings
from policyreason.ir import template
from policyreason.ir.answer import Answer, Status
from policyreason.ir.pattern import (
    AnyChar,
    Part,
    Pattern,
    Text,
    Variable,
    arn_segments,
    ascii_lower,
    pieces_match,
)
from policyreason.ir.policy import Effect, Family, Policy, PolicyKind, PrincipalType, Statement
from policyreason.ir.request import Request
from policyreason.smt.limits import DEFAULT_RLIMIT

_MAX_SAMPLE_ACTIONS = 40
# One strategy with a twentieth of the resource limit: enough for every redundant statement of
# the managed-policy corpus (51: 28 held outright by other statements, 23 proven; the rest of
# the statements shown needed by a guess, the solver asked no other question).
QUICK: tuple[tuple[dict[str, str], float], ...] = (({}, 0.05),)


@dataclass
class Redundancy:
    """A redundant statement, or one the solver could not decide: `search` is the solver's
    answer (proven: redundant, unknown: undecided), None when the statement's text already
    shows the others apply wherever it does (`_unheld`), with no question asked."""

    index: int
    search: Answer[Request] | None

    @property
    def status(self) -> Status:
        """PROVEN when the statement is redundant, UNKNOWN when undecided."""
        return Status.PROVEN if self.search is None else self.search.status


def redundant_statements(policy: Policy, rlimit: int | None = DEFAULT_RLIMIT) -> list[Redundancy]:
    """The statements proven redundant, and those the solver could not decide."""
    out: list[Redundancy] = []
    # Every statement is held against every other: what each one's conditions and known
    # actions are is worked out once (by identity: a merged policy may repeat an index), and
    # its conditions only once a statement of the policy is looked at so (most policies have
    # none: `_shared`).
    conditions: dict[int, frozenset[tuple[str, str, str, tuple[str, ...]]]] = {}
    known: dict[int, frozenset[str]] = {}

    def conditions_of(s: Statement) -> frozenset[tuple[str, str, str, tuple[str, ...]]]:
        found = conditions.get(id(s))
        if found is None:
            found = conditions[id(s)] = _conditions(s)
        return found

    def known_of(s: Statement) -> frozenset[str]:
        found = known.get(id(s))
        if found is None:
            found = known[id(s)] = _known(tuple(p.text for p in s.actions))
        return found

    shared = _shared(policy, known_of)
    for index, stmt in enumerate(policy.statements):
        # `_covered` at its cheapest: an action no other statement of the effect names is
        # one only `stmt` grants (most statements), before its peers are looked for.
        twice = shared.get(stmt.effect)
        if stmt.not_action or (twice is not None and not known_of(stmt) <= twice):
            continue
        able = _granting_as_directly(policy, stmt)
        mine = conditions_of(stmt)
        # Only statements at least as general in their conditions (a subset of them) can
        # make this one redundant cheaply enough to be worth a question.
        peers = [
            s
            for s in able.statements
            if s is not stmt
            and s.effect is stmt.effect
            and conditions_of(s) <= mine
            and not _exclusive(s, stmt)
        ]
        if not _covered(stmt, peers, known_of):
            continue
        # The question is asked only about the actions the other statements' text does not
        # already settle: a smaller request space (the statement's, at most).
        only = _unheld(stmt, peers, known_of)
        if not only:
            out.append(Redundancy(index, None))
            continue
        # Only requests of those actions that `stmt` applies to can tell the two apart, so the
        # statements that never apply to one of them do not matter: asking about the rest is
        # the same question, much smaller.
        full = _meeting(able, stmt, only, known_of)
        reduced = full.model_copy(
            update={"statements": tuple(s for s in full.statements if s is not stmt)}
        )
        wider, narrower = (full, reduced) if stmt.effect is Effect.ALLOW else (reduced, full)
        # A request of another action is one the text shows `stmt` does not matter to (and
        # the cut policies may leave out the statement that holds it).
        if any(
            ascii_lower(r.action) in only and allows(wider, r) and not allows(narrower, r)
            for r in _samples(stmt)
        ):
            continue  # a real request shows the statement matters; no question needed
        # A Deny matters to a request an Allow grants: one the others spell out, in the
        # context the Deny's conditions ask for, shows it as cheaply. (The corpus's four Denies
        # so shown cost the solver 0.05 s each to witness, and one its whole resource limit,
        # left undecided.)
        if stmt.effect is Effect.DENY and any(
            ascii_lower(r.action) in only and allows(reduced, r) and not allows(full, r)
            for r in _denied(stmt, full, only)
        ):
            continue
        question = more_permissive(wider, narrower).within(applies(stmt))
        # The requests `stmt` spells out were tried above. Those of every other statement (the
        # searcher's guesses) are not: a proof, as most answers are, would try each in vain,
        # and a witness the solver finds without them shows the statement needed as well.
        searcher = Searcher([full, reduced], rlimit, QUICK, only_actions=only, guess=False)
        search = searcher.find(question)
        if search.status is not Status.WITNESSED:
            out.append(Redundancy(index, search))
    return out


def _shared(
    policy: Policy, known: Callable[[Statement], frozenset[str]]
) -> dict[Effect, set[str] | None]:
    """For each effect, the known actions two or more of its statements name; None where one
    has a NotAction (which may name any action)."""
    once: dict[Effect, set[str]] = {}
    out: dict[Effect, set[str] | None] = {}
    for stmt in policy.statements:
        if stmt.not_action:
            out[stmt.effect] = None
            continue
        theirs = known(stmt)
        seen = once.setdefault(stmt.effect, set())
        twice = out.setdefault(stmt.effect, set())
        if twice is not None:
            twice |= seen & theirs
        seen |= theirs
    return out


def _exclusive(a: Statement, b: Statement) -> bool:
    """The two statements are the branches of one template condition (`Fn::If`): no
    deployment has both, so neither makes the other redundant."""
    return any(
        x.key == y.key and x.values[0].flag != y.values[0].flag
        for x in a.when
        for y in b.when
        if x.op.family is Family.BOOL and y.op.family is Family.BOOL and x.values and y.values
    )


def _covered(
    stmt: Statement, others: list[Statement], known: Callable[[Statement], frozenset[str]]
) -> bool:
    """Every known action of `stmt` (`known`: a statement's known actions) is matched by some
    other statement's Action (a necessary condition for redundancy of a statement that can
    apply at all)."""
    if stmt.not_action or not others:
        return False
    mine = known(stmt)
    if not mine:
        return False
    if any(o.not_action for o in others):
        return True
    left = set(mine)
    for other in others:
        left -= known(other)
        if not left:
            return _resources_covered(stmt, others)
    return False


def _unheld(
    stmt: Statement, peers: list[Statement], known: Callable[[Statement], frozenset[str]]
) -> frozenset[str]:
    """The known actions of `stmt` on which the text does not show that, wherever `stmt`
    applies, one of `peers` (of its effect, with a subset of its conditions) does: for each
    Resource pattern of `stmt`, those that no peer whose Resource holds the pattern
    (`_resource_holds`) names. Only requests of these actions can tell the policy from the
    policy without `stmt`; none (the peers hold every action on every pattern) means `stmt`
    is redundant, the solver's question answered without it (a test holds the two to each
    other). Peers under a Principal or a template condition, or with a NotResource, are left
    to the solver."""
    plain = [
        p
        for p in peers
        if p.principal is None and not p.not_principal and not p.when and not p.not_resource
    ]
    mine = known(stmt)
    wanted = (None,) if stmt.resources is None or stmt.not_resource else stmt.resources
    out: set[str] = set()
    for pattern in wanted:
        left = set(mine)
        for peer in plain:
            # A NotAction applies to every action but those its patterns name. A peer of none
            # of the actions left is passed over before its Resource is read.
            theirs = known(peer)
            held = left - theirs if peer.not_action else left & theirs
            if not held or not _resource_holds(peer, pattern):
                continue
            left -= held
            if not left:
                break
        out |= left
    return frozenset(out)


def _resource_holds(peer: Statement, pattern: Pattern | None) -> bool:
    """`peer`'s Resource matches every ARN `pattern` does (None: every resource at all)."""
    if peer.resources is None or any(p.is_match_all for p in peer.resources):
        return True
    if pattern is None:
        return False
    if any(p.text == pattern.text for p in peer.resources):
        return True  # a policy variable takes the same value in both
    if pattern.has_variable:
        return False
    return any(
        not p.has_variable and _shape_contains(_shape(p), _shape(pattern)) for p in peer.resources
    )


def _resources_covered(stmt: Statement, others: list[Statement]) -> bool:
    """Each Resource pattern of `stmt`, read as a literal ARN, is matched by another
    statement (otherwise that very ARN is one only `stmt` grants)."""
    if stmt.resources is None or stmt.not_resource:
        return True
    for pattern in stmt.resources:
        if pattern.has_variable:
            continue
        if not any(
            o.resources is None
            or o.not_resource
            or any(p.has_variable or arn_match(p, pattern.text, {}) for p in o.resources)
            for o in others
        ):
            return False
    return True


# How directly a Principal entry names its callers (`evaluate.Grant`): the account (which then
# needs an identity policy too), a role (its sessions, limited by their boundary and session
# policies), or the caller itself.
_ACCOUNT, _ROLE, _DIRECT = 1, 2, 3


def _granting_as_directly(policy: Policy, stmt: Statement) -> Policy:
    """In a policy with principals, the statements that can make `stmt` redundant: the Denies,
    and the Allows that name every caller at least as directly as `stmt` names any. The
    account's root grants less than a statement naming a role: AWS's default key policy
    names both, and the role's statement is not redundant."""
    if not policy.kind.has_principal:
        return policy
    most = max(_levels(stmt))
    kept = tuple(
        s
        for s in policy.statements
        if s is stmt or s.effect is Effect.DENY or min(_levels(s)) >= most
    )
    return policy.model_copy(update={"statements": kept})


def _levels(stmt: Statement) -> tuple[int, ...]:
    """How directly each entry of the statement's Principal names its callers; every level
    where that cannot be told (a NotPrincipal, a template value)."""
    principal = stmt.principal
    if principal is None or stmt.not_principal:
        return (_ACCOUNT, _DIRECT)
    if principal.anyone:
        return (_DIRECT,)
    out: list[int] = []
    for entry in principal.entries:
        if template.has_refs(entry.value):
            out += [_ACCOUNT, _DIRECT]
        elif entry.account is not None:
            out.append(_ACCOUNT)
        elif entry.type is PrincipalType.AWS and ":role/" in entry.value:
            out.append(_ROLE)
        else:
            out.append(_DIRECT)
    return tuple(out) or (_ACCOUNT, _DIRECT)


def _meeting(
    policy: Policy,
    stmt: Statement,
    only: frozenset[str],
    known: Callable[[Statement], frozenset[str]],
) -> Policy:
    """The statements of `policy` that can apply to some request of an action in `only` (known
    actions of `stmt`) that `stmt` applies to: those that apply to one of these actions (a
    comparison of known actions, exact for real requests), and whose Action patterns, and
    Resource patterns, can match a string `stmt`'s do."""
    kept = tuple(
        s
        for s in policy.statements
        if s is stmt
        or (
            (bool(only - known(s)) if s.not_action else not only.isdisjoint(known(s)))
            and _may_meet(stmt, s)
        )
    )
    return policy.model_copy(update={"statements": kept})


def _may_meet(a: Statement, b: Statement) -> bool:
    if not (a.not_action or b.not_action) and not any(
        _actions_overlap(x, y) for x in a.actions for y in b.actions
    ):
        return False
    if a.resources is None or b.resources is None or a.not_resource or b.not_resource:
        return True
    return any(_may_overlap(x, y) for x in a.resources for y in b.resources)


def _actions_overlap(a: Pattern, b: Pattern) -> bool:
    """Some action matches both patterns. Its name starts with both literal heads: most pairs
    name different services or actions, and part there before the search."""
    head_a, head_b = _head(a), _head(b)
    if not (head_a.startswith(head_b) or head_b.startswith(head_a)):
        return False
    return _glob_overlap(_tokens(a.parts), _tokens(b.parts))


def _samples(stmt: Statement) -> Iterator[Request]:
    """Real requests the statement applies to, when its text spells them out
    (`samples.statement_samples`, then `_met`), each also with the keys its `"Null": false`
    conditions ask for. They are only guesses; the concrete evaluator judges them."""
    # `"Null": {key: "false"}` asks for the key, with any value.
    present = {
        c.key_text: (FILLER,)
        for c in stmt.conditions
        if c.op.family is Family.NULL and c.values and c.values[0].flag is False
    }
    for guess, _typing in statement_samples(stmt, _MAX_SAMPLE_ACTIONS):
        yield guess
        if present:
            with_keys = guess.model_copy(update={"context": {**guess.context, **present}})
            if is_real(with_keys):
                yield with_keys
    for guess in _met(stmt):
        with_keys = guess.model_copy(update={"context": {**present, **guess.context}})
        if is_real(with_keys):
            yield with_keys


def _denied(stmt: Statement, policy: Policy, only: frozenset[str]) -> Iterator[Request]:
    """Requests a Deny may be all that refuses: the first an Allow of `policy` spells out for
    an action in `only` (known actions), with the context under which the Deny's conditions
    hold as well: each positive one's first value (`guessed_request`), a key `"Null": false`
    asks for, none `"Null": true` forbids, and another value for a key a negated condition
    tests. Each also with the values that keep the policy's other Denies from applying
    (`_evading`). Only guesses, for the concrete evaluator to judge."""
    evading = _evading(stmt, policy)
    for allow in policy.statements:
        if allow.effect is not Effect.ALLOW or allow.not_action:
            continue
        for guess, _typing in statement_samples(allow, 1, only):
            own = guessed_request(guess.action, guess.resource, EXAMPLE_ACCOUNT, stmt)
            context = {**guess.context, **own.context}
            for c in stmt.conditions:
                if c.key in DERIVED_KEYS:
                    continue  # AWS derives it from the request: no value sent changes it
                if c.op.family is Family.NULL:
                    if c.values and c.values[0].flag is False:
                        context.setdefault(c.key_text, (FILLER,))
                    elif c.values and c.values[0].flag is True:
                        context = _without(context, c.key)
                elif c.op.negated and any(k.lower() == c.key for k in context):
                    context = {**_without(context, c.key), c.key_text: (_OTHER,)}
            variants = [context]
            if evading:
                evaded = context
                for key, value in evading.items():
                    evaded = {**_without(evaded, key.lower()), key: value}
                variants.append(evaded)
            for variant in variants:
                guessed = guess.model_copy(update={"context": variant})
                if is_real(guessed):
                    yield guessed


def _evading(stmt: Statement, policy: Policy) -> dict[str, tuple[str, ...]]:
    """A value for a key of each other Deny of `policy` that makes one of its conditions fail
    (its conditions must all hold): the first value, wildcards filled, of a negated string
    condition on a key `stmt` does not test. A guess of `_denied` that another Deny refuses as
    well shows nothing."""
    tested = {c.key for c in stmt.conditions}
    out: dict[str, tuple[str, ...]] = {}
    for other in policy.statements:
        if other is stmt or other.effect is not Effect.DENY:
            continue
        for c in other.conditions:
            first = c.values[0] if c.values else None
            if (
                first is not None
                and c.op.negated
                and c.op.family is Family.STRING
                and c.key not in tested
                and c.key not in DERIVED_KEYS
                and "$" not in first.text
            ):
                out[c.key_text] = (first.text.replace("*", FILLER).replace("?", "x"),)
                break
    return out


def _without(context: dict[str, tuple[str, ...]], key: str) -> dict[str, tuple[str, ...]]:
    """The context without `key` (lower-cased), however it is written there."""
    return {k: v for k, v in context.items() if k.lower() != key}


# A value a negated condition's key takes in a guess (`_denied`): not the filler of the
# wildcards and variables a guess's other keys are given.
_OTHER = "other"


def _met(stmt: Statement) -> Iterator[Request]:
    """Requests on a resource each Resource pattern names in the format of each action's
    resource type (`meet`), the pattern's policy variables given as the caller's: the plain
    fillings of `statement_samples` are often of no format the action takes (`bucket-*` for
    s3:GetObject, which wants `bucket-x/key`), and leave patterns with variables out. The
    statement has an Action list (`_covered`)."""
    if stmt.resources is None or stmt.not_resource:
        return
    for action in statement_actions(stmt, _MAX_SAMPLE_ACTIONS):
        base = guessed_request(action, "*", EXAMPLE_ACCOUNT, stmt)
        # AWS derives some keys from the request: a condition's value for one is no key sent.
        derived = {k: v for k, v in base.context.items() if k.lower() in DERIVED_KEYS}
        sent_keys = {k: v for k, v in base.context.items() if k not in derived}
        asked = next((v[0] for k, v in derived.items() if k.lower() == RESOURCE_ACCOUNT), None)
        known = context_of(base)
        for typing in typings(action):
            for pattern in stmt.resources:
                # A policy variable the caller does not fix is sent; a template value (no `:`
                # in its name) is the deployment's, left open: `meet` then proposes nothing.
                sent = {
                    p.key: (FILLER,)
                    for p in pattern.parts
                    if isinstance(p, Variable) and ":" in p.key and p.key not in known
                }
                arn = meet(pattern, typing.format, "aws", EXAMPLE_ACCOUNT, {**known, **sent})
                if arn is None:
                    continue
                yield base.model_copy(
                    update={
                        "resource": arn,
                        # The ARN's account, else the one a condition asked for.
                        "resource_account": arn.split(":", 5)[4] or asked,
                        "context": {**sent_keys, **sent},
                    }
                )


def _conditions(stmt: Statement) -> frozenset[tuple[str, str, str, tuple[str, ...]]]:
    return frozenset(
        (c.op.name, c.key, f"{c.if_exists}{c.qualifier}", tuple(sorted(v.text for v in c.values)))
        for c in stmt.conditions
    )


@cache
def _known(patterns: tuple[str, ...]) -> frozenset[str]:
    if len(patterns) == 1:
        return _pattern_known(patterns[0])
    return frozenset().union(*map(_pattern_known, patterns))


# The policies of a folder repeat their action patterns (`ec2:Describe*`, `s3:GetObject`) in
# list after list: each pattern's actions are named once, and a list's are their union.
@cache
def _pattern_known(text: str) -> frozenset[str]:
    if "*" not in text and "?" not in text:
        # A plain action name, most patterns: the one action `actions_matching` would find,
        # looked up without building its tuple.
        found = reference.action(text)
        return frozenset() if found is None else frozenset((ascii_lower(found.full_name),))
    return frozenset(map(ascii_lower, (a.full_name for a in reference.actions_matching(text))))


@dataclass
class RedundantResource:
    """A Resource pattern of statement `statement` that the others of its Resource element
    already cover: `position` in that element, and the pattern's text."""

    statement: int
    position: int
    text: str


def redundant_resources(
    policy: Policy, rlimit: int | None = DEFAULT_RLIMIT
) -> list[RedundantResource]:
    """Resource patterns whose removal leaves their statement applying to exactly the same
    requests. A literal ARN is judged by the concrete evaluator (an exact answer); a pattern
    by the solver, only when it overlaps another pattern of the statement (it cannot be covered
    otherwise). Exact repeats are left to the duplicate check; undecided questions are not
    reported."""
    out: list[RedundantResource] = []
    for stmt in policy.statements:
        if stmt.resources is None or stmt.not_resource or len(stmt.resources) < 2:
            continue
        # A statement of n patterns asks n * (n - 1) pairs: each pattern is read once.
        shapes = [_shape(p) for p in stmt.resources]
        kept = list(range(len(shapes)))
        seen: set[str] = set()
        for position, shape in enumerate(shapes):
            others = [shapes[i] for i in kept if i != position]
            text = shape.pattern.text
            if text in seen:
                kept.remove(position)  # a repeat: reported as a duplicate
                continue
            seen.add(text)
            if _covers(stmt, shape, others, rlimit):
                kept.remove(position)
                out.append(RedundantResource(stmt.index, position, text))
    return out


@dataclass(frozen=True, slots=True)
class _Shape:
    """A Resource pattern as the pair tests read it: whether it matches everything, its
    literal head (`_head`), whether it has a variable, and its `glob`: its text with `*` and
    `?` for its wildcards (a variable read as `*`, as `_tokens` reads it), None when a literal
    `*` or `?` (written `${*}`) leaves no such spelling."""

    pattern: Pattern
    match_all: bool
    head: str
    variable: bool
    glob: str | None


def _shape(pattern: Pattern) -> _Shape:
    pieces: list[str] = []
    plain = True
    for part in pattern.parts:
        if isinstance(part, Text):
            plain = plain and "*" not in part.text and "?" not in part.text
            pieces.append(part.text)
        else:
            pieces.append("?" if isinstance(part, AnyChar) else "*")
    glob = "".join(pieces) if plain else None
    return _Shape(pattern, pattern.is_match_all, _head(pattern), pattern.has_variable, glob)


def _covers(stmt: Statement, shape: _Shape, others: list[_Shape], rlimit: int | None) -> bool:
    pattern = shape.pattern
    if shape.variable or any(o.variable for o in others):
        return False
    if pattern.is_literal:
        return any(arn_match(o.pattern, pattern.text, {}) for o in others)
    if any(_shape_contains(o, shape) for o in others):
        return True
    # One overlapping pattern that does not contain it leaves part of it uncovered (the
    # containment test is exact but for odd cases such as `*?` against `?*`); only a union of
    # two or more can cover it otherwise, which is what the solver is asked.
    overlapping = [o.pattern for o in others if _shapes_overlap(shape, o)]
    if len(overlapping) < 2:
        return False
    # An ARN the pattern matches and none of the others does settles it without the solver.
    if any(not any(arn_match(p, text, {}) for p in overlapping) for text in _sample_arns(pattern)):
        return False
    alone = _single(stmt, (pattern,))
    rest = _single(stmt, tuple(o.pattern for o in others))
    question = more_permissive(alone, rest)
    return Searcher([alone, rest], rlimit, QUICK).find(question).status is Status.PROVEN


def _sample_arns(pattern: Pattern) -> tuple[str, ...]:
    """ARNs the pattern matches: its wildcards filled in the shortest way and with a character
    unlikely to appear in the other patterns."""
    shortest = "".join(
        p.text if isinstance(p, Text) else "#" if isinstance(p, AnyChar) else ""
        for p in pattern.parts
    )
    filled = "".join(p.text if isinstance(p, Text) else "#" for p in pattern.parts)
    return (shortest, filled)


def _may_overlap(a: Pattern, b: Pattern) -> bool:
    """False when no ARN can match both, segment by segment as IAM matches ARNs."""
    return _shapes_overlap(_shape(a), _shape(b))


def _shapes_overlap(a: _Shape, b: _Shape) -> bool:
    """`_may_overlap` of two patterns read once."""
    if a.match_all or b.match_all:
        return True
    # A string both match starts with both literal heads: one is the other's prefix. (Most
    # pairs of a long Resource list part there, before the automata are built.)
    if not (a.head.startswith(b.head) or b.head.startswith(a.head)):
        return False
    if a.glob is None or b.glob is None:
        return _parts_overlap(a.pattern.parts, b.pattern.parts)
    return _globs_overlap(a.glob, b.glob)


def _head(pattern: Pattern) -> str:
    """The literal text before the pattern's first wildcard or variable."""
    first = pattern.parts[0] if pattern.parts else None
    return first.text if isinstance(first, Text) else ""


@cache
def _parts_overlap(a: tuple[Part, ...], b: tuple[Part, ...]) -> bool:
    seg_a, seg_b = _segment_tokens(a), _segment_tokens(b)
    if len(seg_a) != len(seg_b):
        return True  # not both ARN-shaped alike: cannot tell cheaply
    return all(_glob_overlap(x, y) for x, y in zip(seg_a, seg_b, strict=True))


# `_parts_overlap` on globs: keyed by strings, which hash and compare in C where parts do not.
@lru_cache(maxsize=1 << 16)
def _globs_overlap(a: str, b: str) -> bool:
    seg_a, seg_b = a.split(":", 5), b.split(":", 5)
    if len(seg_a) != len(seg_b):
        return True  # as `_parts_overlap`
    # The resource segment first, as `_shape_contains` reads them.
    return all(
        _segments_overlap(x, y) for x, y in zip(reversed(seg_a), reversed(seg_b), strict=True)
    )


def _segments_overlap(x: str, y: str) -> bool:
    """`_glob_overlap` of two segments of globs. Most pairs settle before the search: a glob
    matches some string (so overlaps itself), literal characters at either end must agree and
    are dropped, and a literal side is a regular-expression match of the other."""
    if x == y:
        return True
    i = 0
    while i < len(x) and i < len(y) and x[i] not in "*?" and y[i] not in "*?":
        if x[i] != y[i]:
            return False
        i += 1
    x, y = x[i:], y[i:]
    j = 0
    while j < len(x) and j < len(y) and x[-1 - j] not in "*?" and y[-1 - j] not in "*?":
        if x[-1 - j] != y[-1 - j]:
            return False
        j += 1
    x, y = x[: len(x) - j], y[: len(y) - j]
    if "*" not in y and "?" not in y:
        return reference.wildcard_regex(x).fullmatch(y) is not None
    if "*" not in x and "?" not in x:
        return reference.wildcard_regex(y).fullmatch(x) is not None
    return _glob_overlap(_glob_tokens(x), _glob_tokens(y))


def _shape_contains(outer: _Shape, inner: _Shape) -> bool:
    """True when every ARN `inner` matches, `outer` matches too: `outer` matches the text of
    `inner` with each of its wildcards read as a symbol (a `*` of `outer` may take any run of
    them, its `?` one character or `?`), segment by segment. Sound; a False may be wrong only
    for unusual pairs such as `*?` and `?*`."""
    if outer.match_all:
        return True
    # `outer`'s literal head must match `inner`'s leading characters, which a wildcard of
    # `inner` (read as a symbol) never is.
    if not inner.head.startswith(outer.head):
        return False
    if outer.glob is None or inner.glob is None:
        return _parts_contain(outer.pattern.parts, inner.pattern.parts)
    # Segment by segment, as `_containing` reads them: most segments have no `?`, and settle
    # without compiling the expression.
    seg_o, seg_i = outer.glob.split(":", 5), inner.glob.split(":", 5)
    if len(seg_o) != len(seg_i):
        return False
    # The resource segment first: where the patterns of one statement most often part.
    undecided = False
    for o, i in zip(reversed(seg_o), reversed(seg_i), strict=True):
        held = _segment_holds(o, i)
        if held is False:
            return False
        undecided = undecided or held is None
    if not undecided:
        return True
    # `inner`'s glob is its tokens with `*` and `?` as the symbols, which no literal of
    # `outer` is; a `?` of `outer` takes any symbol but a `*`.
    return _containing(outer.glob).fullmatch(inner.glob) is not None


def _segment_holds(outer: str, inner: str) -> bool | None:
    """Whether segment `outer` of a glob contains segment `inner` (`_shape_contains`), where
    `outer` has no `?`; None otherwise. `inner`'s wildcards are symbols, which only a `*` of
    `outer` takes. A segment holds no `:` but the resource's, where a `*` takes them too."""
    if "?" in outer:
        return None
    return pieces_match(outer.split("*"), inner)


@cache
def _parts_contain(outer: tuple[Part, ...], inner: tuple[Part, ...]) -> bool:
    seg_o, seg_i = _segment_tokens(outer), _segment_tokens(inner)
    if len(seg_o) != len(seg_i):
        return False
    return all(_glob_contains(o, i) for o, i in zip(seg_o, seg_i, strict=True))


@lru_cache(maxsize=1 << 14)
def _containing(glob: str) -> re.Pattern[str]:
    """The globs `glob` contains (`_parts_contain`), as one expression: each wildcard stays in
    its ARN segment (no `:` but in the sixth, the resource, which may hold more), a `*` takes
    any run of symbols and a `?` any one but a `*`. The first five `:` of the glob matched must
    be those of `glob`, so both have as many segments."""
    out: list[str] = []
    for index, segment in enumerate(glob.split(":", 5)):
        last = index == 5
        out.append(
            "".join(
                (".*" if last else "[^:]*")
                if ch == "*"
                else ("[^*]" if last else "[^*:]")
                if ch == "?"
                else re.escape(ch)
                for ch in segment
            )
        )
    return re.compile(":".join(out), re.DOTALL)


def _glob_tokens(segment: str) -> list[str | None]:
    """`_tokens` of a segment of a glob."""
    return [None if ch == "*" else _ANY if ch == "?" else ch for ch in segment]


# A statement of n patterns asks n * (n - 1) pairs: each pattern is cut into segments once.
@cache
def _segment_tokens(parts: tuple[Part, ...]) -> tuple[list[str | None], ...]:
    return tuple(_tokens(seg) for seg in arn_segments(Pattern(text="", parts=parts)))


def _glob_contains(outer: list[str | None], inner: list[str | None]) -> bool:
    # A literal of `outer` matches only the same literal of `inner`: its literal head and
    # tail must be `inner`'s (compared whole, they settle most pairs before the search).
    head = next((i for i, tok in enumerate(outer) if tok is None or tok is _ANY), len(outer))
    if inner[:head] != outer[:head]:
        return False
    if head == len(outer):
        return len(inner) == head
    tail = next(i for i, tok in enumerate(reversed(outer)) if tok is None or tok is _ANY)
    if tail and inner[-tail:] != outer[-tail:]:
        return False
    # reach[j]: `outer[:i]` can match `inner[:j]`, symbol for symbol.
    reach = [True] + [False] * len(inner)
    for tok in outer:
        if tok is None:
            for j in range(1, len(reach)):
                reach[j] = reach[j] or reach[j - 1]
        else:
            reach = [False] + [
                reach[j] and (inner[j] == tok or (tok is _ANY and inner[j] is not None))
                for j in range(len(inner))
            ]
    return reach[-1]


_ANY = "?any"  # `?`: longer than one character, so never equal to a literal one


def _tokens(parts: tuple[Part, ...]) -> list[str | None]:
    """One entry per character: the character, `_ANY` for `?`, None for `*`. A variable is read
    as `*`: it makes an overlap more likely, and callers skip patterns with variables before
    asking about containment."""
    out: list[str | None] = []
    for p in parts:
        if isinstance(p, Text):
            out.extend(p.text)
        elif isinstance(p, AnyChar):
            out.append(_ANY)
        else:
            out.append(None)
    return out


def _glob_overlap(a: list[str | None], b: list[str | None]) -> bool:
    """True when some string matches both (a search of the product automaton)."""
    stack = [(0, 0)]
    seen: set[tuple[int, int]] = set()
    while stack:
        i, j = stack.pop()
        if (i, j) in seen:
            continue
        seen.add((i, j))
        if i == len(a) and j == len(b):
            return True
        star_a = i < len(a) and a[i] is None
        star_b = j < len(b) and b[j] is None
        if star_a:
            stack.append((i + 1, j))
        if star_b:
            stack.append((i, j + 1))
        if i < len(a) and j < len(b):
            x, y = a[i], b[j]
            if x is None or y is None or x is _ANY or y is _ANY or x == y:
                step = (i if star_a else i + 1, j if star_b else j + 1)
                if step != (i, j):
                    stack.append(step)
    return False


def _single(stmt: Statement, resources: tuple[Pattern, ...]) -> Policy:
    """An identity policy of `stmt` alone, as an Allow, with `resources` as its Resource."""
    only = stmt.model_copy(
        update={"index": 0, "effect": Effect.ALLOW, "resources": resources, "principal": None}
    )
    return Policy(
        kind=PolicyKind.IDENTITY, version="2012-10-17", statements=(only,), span=stmt.span
    )
