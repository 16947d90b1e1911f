"""Privilege escalation as joint paths: can one principal make every request of a published
escalation path (`data/escalation.py`), together?

A path is a set of requests by one caller that must all be allowed at once. Each becomes one
symbolic request of a single solver question (`smt/encode_path.py`), over the statements that
can apply to its action, with what ties them made explicit:

- the caller is one IAM user or role session, the same in every request (principal keys
  included); a path meant for users (`iam:PutUserPolicy` on oneself) is asked for users only;
- `iam:PassRole` carries `iam:PassedToService` set to the service the path passes the role to,
  so a PassRole limited to EC2 is no Lambda path; the passed role is another role than the
  caller's, and `iam:AssociatedResourceArn`, when sent, names the resource the path creates;
- self-modification acts on the caller's own user or role (`aws:PrincipalArn`), a group path on
  a group the caller belongs to, `iam:CreatePolicyVersion` on a policy attached to it;
- steps that act on one resource act on the same one (the function invoked is the function
  created), and a context key that names another step's resource names it
  (`lambda:FunctionArn`, `cloudformation:RoleArn`, `ecs:cluster`);
- every request acts in the caller's own account; an EC2 call is authorized on each resource
  it uses.

What the policies cannot tell (that a role worth passing exists, that a role's trust policy
lets the caller in, who is in a group when only a policy is checked) is each path's
`requires`: a witnessed path says "possible, if ..." through the answer's assumptions. The
attach paths ask first for AWS's AdministratorAccess (present in every account), then for any
policy, assuming one the caller may attach grants more.

The witness is the set of requests; before it is shown, each is checked to be a request AWS
could receive and the set is replayed through the concrete evaluator with every link above.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import TYPE_CHECKING, TypeVar

from policyreason.analysis.escalation.joint import Joint, recheck
from policyreason.analysis.escalation.meet import may_meet, meet
from policyreason.analysis.evaluate import (
    DERIVED_KEYS,
    Context,
    Decision,
    action_list,
    condition_holds,
    context_of,
    evaluate,
    glob_match,
)
from policyreason.analysis.questions import JointProperty, resources_are
from policyreason.analysis.real_request import fits, problems
from policyreason.analysis.witness import ALWAYS_SENT, EXAMPLE_ACCOUNT, FILLER, variable_value
from policyreason.data.escalation import EscalationPath, Step, Target, catalogue
from policyreason.data.requests import (
    DERIVED_PRINCIPAL_KEYS,
    ArnFormat,
    Typing,
    Var,
    arn_format,
    iam_principal,
    principal_family,
    typings,
)
from policyreason.ir.answer import Answer, Status
from policyreason.ir.pattern import (
    AnyChar,
    Pattern,
    Star,
    Text,
    Variable,
    arn_segments,
    ascii_lower,
    literal,
)
from policyreason.ir.policy import (
    Condition,
    Effect,
    Family,
    Policy,
    PolicySet,
    PrincipalType,
    Statement,
)
from policyreason.ir.request import IamKind, Request
from policyreason.smt.limits import DEFAULT_RLIMIT
from policyreason.smt.parts import Part

if TYPE_CHECKING:
    from policyreason.smt.encode_path import JointEncoder
    from policyreason.smt.factory import Term

KINDS = {"user": IamKind.USER, "role": IamKind.ROLE_SESSION}
EXAMPLE_SESSION = "example-session"
MAX_GUESSES = 24  # candidate requests judged per request of a path before asking the solver
MAX_IDENTITIES = 4  # callers tried per kind
IN_GROUP = "the caller is a member of the group"
POLICY_ATTACHED = "the policy is attached to the caller"


@dataclass(frozen=True)
class Caller:
    """Who takes the paths.

    Checking a lone policy, the caller is any IAM user or role session the policy may be
    attached to: `identity` and `kind` are None, and its groups and attached policies are
    unknown (None), so a group or own-policy path is possible "if" the caller is a member or
    the policy is attached. A principal of an authorization export is known: its user or role
    ARN, its kind ("user" or "role"), the ARNs of its groups and of the customer managed
    policies attached to it (directly or through a group), and a user's tags."""

    identity: str | None = None
    kind: str | None = None
    groups: tuple[str, ...] | None = None
    policies: tuple[str, ...] | None = None
    tags: tuple[tuple[str, str], ...] | None = None

    def kinds(self, path: EscalationPath) -> list[IamKind]:
        """The kinds of caller the path can be asked for."""
        wanted = [path.caller] if path.caller is not None else ["role", "user"]
        return [KINDS[k] for k in wanted if self.kind is None or k == self.kind]

    def tag(self, key: str) -> str | None:
        """The value of the user's tag for an `aws:PrincipalTag/<tag>` key (any case)."""
        tag = key.split("/", 1)[1].lower()
        return next((v for k, v in self.tags or () if k.lower() == tag), None)


ANY_CALLER = Caller()


@dataclass(frozen=True)
class Planned:
    """One request of a path: the step it belongs to, its action, the alternative resource
    types it acts on (empty: `*`, or any type the action takes), and whether it carries the
    step's own resource (to which the step's target, pins and links apply)."""

    step: int
    action: str
    types: tuple[str, ...]
    own: bool


@dataclass(frozen=True)
class PathResult:
    """A path the caller can take (witnessed: the requests of `requests`, in order, with the
    answer's assumptions), or could not be decided (unknown, with the reason)."""

    path: EscalationPath
    requests: tuple[Planned, ...]
    answer: Answer[Request]


def plan(path: EscalationPath) -> tuple[Planned, ...]:
    """The requests a path is made of, step by step."""
    return tuple(
        Planned(i, step.action, types, k == 0)
        for i, step in enumerate(path.steps)
        for k, types in enumerate(step.resources)
    )


def escalation_paths(
    policies: PolicySet,
    caller: Caller = ANY_CALLER,
    rlimit: int | None = DEFAULT_RLIMIT,
    paths: Sequence[EscalationPath] | None = None,
) -> list[PathResult]:
    """Every path of the catalogue (or of `paths`) the caller can take, and those that could
    not be decided, in catalogue order."""
    out: list[PathResult] = []
    cuts = Cuts(policies)
    for path in catalogue() if paths is None else paths:
        answer = path_answer(policies, path, caller, rlimit, cuts)
        if answer is not None and answer.status is not Status.PROVEN:
            out.append(PathResult(path, plan(path), answer))
    return out


def path_answer(
    policies: PolicySet,
    path: EscalationPath,
    caller: Caller = ANY_CALLER,
    rlimit: int | None = DEFAULT_RLIMIT,
    cuts: Cuts | None = None,
) -> Answer[Request] | None:
    """Whether the caller can make the path's requests together: witnessed (the requests,
    with what is assumed of the account), proven impossible, or unknown. None when no
    statement could allow one of its requests (no question needed). `cuts`: the cut
    policies kept from other paths over the same policies."""
    cuts = Cuts(policies) if cuts is None else cuts
    # Most paths of most policies end here, before any question is built (`_Question` asks
    # the same first).
    for step in path.steps:
        if not cuts.may_allow(step.action):
            return None
    question = _Question(policies, path, caller, relaxed=False, cuts=cuts)
    if not question.possible:
        return None
    relaxable = [p.unless for s in path.steps for p in s.pins if p.unless]
    # When no Allow lets a request carry the value a droppable pin gives it (an attach
    # limited to other policies than AdministratorAccess), the question with the pins has no
    # witness and the one without them decides, as after the solver's proof of the first
    # (which an unsat answer of the second implies).
    first = None if relaxable and question.ruled_out(every_pin=True) else question.ask(rlimit)
    answer = first
    if relaxable and (first is None or first.status is Status.PROVEN):
        second = _Question(policies, path, caller, relaxed=True, cuts=cuts).ask(rlimit)
        if second.status is Status.WITNESSED:
            answer = second.assuming(*relaxable)
        elif second.status is Status.PROVEN and first is not None:
            assert first.proof is not None and second.proof is not None
            answer = Answer.proven(first.proof.join(second.proof))
        else:
            answer = second
    assert answer is not None
    if answer.status is Status.WITNESSED:
        return answer.assuming(*question.assumptions)
    return answer


# -- the question of one path --------------------------------------------------------------------


def _could_apply(policy: Policy, action: str, formats: Sequence[ArnFormat] | None = None) -> Policy:
    """The policy cut down to the statements whose Action could match `action` and, given the
    ARN formats the request's resource has (None: any resource), whose Resource could match
    one of them (the others never apply to the request)."""
    return _for_resources(_for_action(policy, action), formats)


def _for_action(policy: Policy, action: str) -> Policy:
    name = ascii_lower(action)
    kept = tuple(s for s in policy.statements if _may_name(s, name))
    return policy.model_copy(update={"statements": kept})


def _may_name(stmt: Statement, name: str) -> bool:
    """Whether the statement's Action could match the (lower-case) action name: one of its
    patterns does, or has a policy variable; under NotAction, none of its patterns without a
    variable does (a NotAction naming the action never applies to it, whatever the
    context)."""
    if stmt.not_action:
        return not _excludes(stmt.actions, name)
    plain, patterns = action_list(stmt.actions)
    return name in plain or any(p.has_variable or glob_match(p, name, {}) for p in patterns)


def _excludes(not_actions: Iterable[Pattern], name: str) -> bool:
    """A NotAction list names the action in every context: one of its patterns without a
    policy variable matches it."""
    return any(not p.has_variable and glob_match(p, name, {}) for p in not_actions)


def _for_resources(
    policy: Policy,
    formats: Sequence[ArnFormat] | None,
    meets: Callable[[Pattern, ArnFormat], bool] | None = None,
) -> Policy:
    if formats is None:
        return policy
    meets = may_meet if meets is None else meets
    kept = tuple(
        s
        for s in policy.statements
        if s.not_resource
        or s.resources is None
        or any(meets(r, f) for r in s.resources for f in formats)
    )
    return policy.model_copy(update={"statements": kept})


def cut(
    policies: PolicySet, action: str, formats: Sequence[ArnFormat] | None = None
) -> PolicySet | None:
    """The policies a request for `action` (on a resource of one of `formats`, if given) can
    meet, each cut to the statements that could apply to it; None when no identity Allow (or
    no boundary or session Allow) could apply."""
    return _cut_set(policies, lambda p: _could_apply(p, action, formats))


def _cut_set(policies: PolicySet, cut_one: Callable[[Policy], Policy]) -> PolicySet | None:
    identity = tuple(cut_one(p) for p in policies.identity)
    boundary = None if policies.boundary is None else cut_one(policies.boundary)
    session = tuple(cut_one(p) for p in policies.session)
    if not any(_allows_some(p) for p in identity):
        return None
    if boundary is not None and not _allows_some(boundary):
        return None
    if session and not any(_allows_some(p) for p in session):
        return None
    return PolicySet(identity=identity, boundary=boundary, session=session)


class Cuts:
    """`cut` and `_could_apply` over one policy set, each statement's Action matched once per
    action (the 65 paths ask about a few dozen actions, many times over)."""

    def __init__(self, policies: PolicySet) -> None:
        self.policies = policies
        self._sets: dict[tuple[str, tuple[ArnFormat, ...] | None], PolicySet | None] = {}
        self._policies: dict[tuple[int, str], Policy] = {}
        self._services: dict[tuple[int, str], Policy] = {}
        self._allow_actions: dict[int, _AllowActions] = {}
        self._may_allow: dict[str, bool] = {}
        self._allowed: dict[RequestKey, bool] = {}
        self._permits: dict[RequestKey, bool] = {}
        self._named: dict[tuple[object, ...], tuple[str, ...]] = {}
        self._instances: dict[tuple[int, str, str, tuple[str, ...]], tuple[Pattern, list[str]]] = {}
        self._may_meet: dict[tuple[int, ArnFormat], tuple[Pattern, bool]] = {}
        self._meet: dict[MeetKey, tuple[Pattern, str | None]] = {}

    # The guesses of a path build the same requests for each earlier choice, and the polish
    # judges whole sets in which one request changed: each request is judged once.

    def is_real(self, req: Request) -> bool:
        """Whether AWS could receive `req` (real_request's `is_real`)."""
        return not real_problems(req)

    def allowed(self, req: Request) -> bool:
        """Whether the policies allow `req`, decided over the statements that can apply to
        its action (`cut`)."""

        def judged() -> bool:
            cut = self.cut(req.action, None)
            return cut is not None and _permits(cut, req)

        return _kept(self._allowed, request_key(req), judged)

    def permits(self, req: Request) -> bool:
        """Whether the policies allow `req`, decided over every statement: the check of what
        is shown, where paths of one policy share requests (the role passed, the caller's
        own user)."""
        return _kept(self._permits, request_key(req), lambda: _permits(self.policies, req))

    def named(self, key: tuple[object, ...], make: Callable[[], list[str]]) -> list[str]:
        """The ARNs a path's request names (`_Question._named`), made by `make` the first time
        under `key`: the paths of one policy guess requests of the same actions and types."""
        made: tuple[str, ...] = _kept(self._named, key, lambda: tuple(make()))
        return list(made)

    def instances(self, pattern: Pattern, partition: str, account: str, ctx: Context) -> list[str]:
        """`_instances(...)` of a pattern of the policies: the guesses of every path fill the
        same few patterns over and over."""
        values = _variable_values(pattern, ctx)
        if pattern.is_match_all or values is None:
            return []
        # By identity (the pattern is kept beside its ARNs, so its id is not reused).
        key = (id(pattern), partition, account, values)
        made = _kept(
            self._instances, key, lambda: (pattern, _filled(pattern, partition, account, values))
        )
        return list(made[1])

    # Each path's cut and guesses walk the policies' Resource patterns with the formats of its
    # requests, and most paths share a few formats (a role, a function...). Patterns are kept
    # by identity, beside the answer so that the id is not reused; what `meet` and `may_meet`
    # read of a pattern is its parts, and policies repeat patterns (`arn:aws:iam::*:role/*`),
    # so the walks themselves are kept by the parts across policy sets.

    def may_meet(self, pattern: Pattern, fmt: ArnFormat) -> bool:
        """`may_meet(pattern, fmt)`."""

        def walked() -> tuple[Pattern, bool]:
            met = _kept_across(_MAY_MEET, (pattern.parts, fmt), lambda: may_meet(pattern, fmt))
            return pattern, met

        return _kept(self._may_meet, (id(pattern), fmt), walked)[1]

    def meet(
        self, pattern: Pattern, fmt: ArnFormat, partition: str, account: str, ctx: Context
    ) -> str | None:
        """`meet(pattern, fmt, partition, account, ctx)`, which reads of `ctx` only the values
        of the pattern's variables."""
        values = _variable_values(pattern, ctx)

        def walked() -> tuple[Pattern, str | None]:
            key = (pattern.parts, fmt, partition, account, values)
            # In a 1-tuple: a kept answer may be None.
            met = _kept_across(_MEET, key, lambda: (meet(pattern, fmt, partition, account, ctx),))
            return pattern, met[0]

        return _kept(self._meet, (id(pattern), fmt, partition, account, values), walked)[1]

    def may_allow(self, action: str) -> bool:
        """False when no identity Allow (or no boundary or session Allow) names `action`:
        then `cut` is None for every resource, and most of the 65 paths end there."""
        # Keyed by the action as written: the catalogue spells each one alike every time.
        known = self._may_allow.get(action)
        if known is None:
            # The first time, every action of the catalogue at once: a policy's plain Actions
            # meet the catalogue's as one set against another, not name by name.
            asked = {action: ascii_lower(action)}
            if not self._may_allow:
                asked.update(_catalogue_actions())
            names = self._allowed_names(frozenset(asked.values()))
            self._may_allow.update((a, name in names) for a, name in asked.items())
            known = self._may_allow[action]
        return known

    def _allowed_names(self, wanted: frozenset[str]) -> frozenset[str]:
        """The (lower-case) action names of `wanted` that an identity Allow could match, and
        a boundary Allow and a session Allow, when there are such policies."""
        policies = self.policies
        found = frozenset[str]().union(*(self._actions(p).names(wanted) for p in policies.identity))
        if policies.boundary is not None:
            found = self._actions(policies.boundary).names(found)
        if policies.session:
            found = frozenset[str]().union(
                *(self._actions(p).names(found) for p in policies.session)
            )
        return found

    def _actions(self, policy: Policy) -> _AllowActions:
        key = id(policy)
        if key not in self._allow_actions:
            self._allow_actions[key] = _AllowActions.of(policy)
        return self._allow_actions[key]

    def cut(self, action: str, formats: tuple[ArnFormat, ...] | None) -> PolicySet | None:
        """`cut(self.policies, action, formats)`."""
        key = (ascii_lower(action), formats)
        if key not in self._sets:
            self._sets[key] = _cut_set(
                self.policies,
                lambda p: _for_resources(self.could_apply(p, action), formats, self.may_meet),
            )
        return self._sets[key]

    def pinned(
        self, action: str, formats: tuple[ArnFormat, ...] | None, pins: Pins
    ) -> PolicySet | None:
        """`cut(action, formats)` less the statements that no request carrying a pinned value
        for each pinned key (`_pinned_out`) meets; None as `cut`."""
        policies = self.cut(action, formats)
        if policies is None:
            return None
        return _cut_set(
            policies,
            lambda p: p.model_copy(
                update={"statements": tuple(s for s in p.statements if not _pinned_out(s, pins))}
            ),
        )

    def could_apply(self, policy: Policy, action: str) -> Policy:
        """`_could_apply(policy, action)` for a policy of the set."""
        key = (id(policy), ascii_lower(action))
        if key not in self._policies:
            service = key[1].partition(":")[0]
            self._policies[key] = _for_action(self._of_service(policy, service), action)
        return self._policies[key]

    def _of_service(self, policy: Policy, service: str) -> Policy:
        """The statements that could match an action of `service`: an Action pattern whose
        service part is plain text names no other service (a cheap first cut)."""
        key = (id(policy), service)
        if key not in self._services:
            kept = tuple(
                s
                for s in policy.statements
                if s.not_action or any(_may_name_service(p, service) for p in s.actions)
            )
            self._services[key] = policy.model_copy(update={"statements": kept})
        return self._services[key]


Pins = tuple[tuple[str, tuple[str, ...]], ...]


def _fixed_pins(step: Step) -> Pins:
    """The step's pins that hold in every question of its path (not the ones `unless` lets
    a relaxed question drop)."""
    return tuple((p.key, p.values) for p in step.pins if not p.unless)


def _pinned_out(stmt: Statement, pins: Pins) -> bool:
    """Whether the statement applies to no request that carries, for each pinned key, one
    of its values alone: a string or ARN condition on the key, with no policy variable,
    holds for none of them. (Such a condition reads nothing else of the request; other
    families and variables are left to the solver.)"""
    for key, values in pins:
        low = key.lower()
        for c in stmt.conditions:
            if (
                c.key == low
                and c.op.family in (Family.STRING, Family.ARN)
                and not any(v.pattern is not None and v.pattern.has_variable for v in c.values)
                and not any(condition_holds(c, {low: (v,)}) for v in values)
            ):
                return True
    return False


RequestKey = tuple[object, ...]
MeetKey = tuple[int, ArnFormat, str, str, tuple[str, ...] | None]
K = TypeVar("K")
V = TypeVar("V")


def _kept(table: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """`table[key]`, made by `make` the first time (`Cuts`' answers are never None)."""
    known = table.get(key)
    if known is None:
        known = table[key] = make()
    return known


def request_key(req: Request) -> RequestKey:
    """Every field of the request, hashable (a dict field as its items): equal keys, equal
    requests. (A model's `__dict__` holds its fields in order, read without `getattr`.)"""
    return tuple([tuple(v.items()) if isinstance(v, dict) else v for v in req.__dict__.values()])


# What reads no policy is kept across policy sets: whether a request is real (the paths of
# every policy guess the same example callers, roles and functions), and where a Resource
# pattern meets a format. Each table is emptied when it reaches `_KEPT_ACROSS` entries.
_KEPT_ACROSS = 1 << 13
_REAL: dict[RequestKey, tuple[str, ...]] = {}
_MAY_MEET: dict[tuple[object, ...], bool] = {}
_MEET: dict[tuple[object, ...], tuple[str | None]] = {}


def _kept_across(table: dict[K, V], key: K, make: Callable[[], V]) -> V:
    """`_kept` for a table kept across policy sets."""
    known = table.get(key)
    if known is None:
        if len(table) >= _KEPT_ACROSS:
            table.clear()
        known = table[key] = make()
    return known


def real_problems(req: Request) -> tuple[str, ...]:
    """`problems(req)` (real_request), kept under the request's key."""
    return _kept_across(_REAL, request_key(req), lambda: tuple(problems(req)))


@dataclass(frozen=True)
class _AllowActions:
    """The Action patterns of a policy's Allow statements: the plain ones as a set, the
    wildcard ones by the service their plain head names (`s3:Get*` is tried on S3 actions
    only), and those that name none (`*`, `*:Get*`) apart; and the NotAction list of each
    Allow with NotAction, which allows every action its list does not name."""

    any_action: bool  # an Action with a policy variable
    plain: frozenset[str]
    by_service: dict[str, tuple[Pattern, ...]]
    anywhere: tuple[Pattern, ...]
    excepting: tuple[tuple[Pattern, ...], ...]

    @staticmethod
    def of(policy: Policy) -> _AllowActions:
        allows = [s for s in policy.statements if s.effect is Effect.ALLOW]
        any_action = False
        plain: set[str] = set()
        by_service: dict[str, list[Pattern]] = {}
        anywhere: list[Pattern] = []
        for p in (p for s in allows if not s.not_action for p in s.actions):
            parts = p.parts
            # Most Actions are one plain text (a large policy names thousands).
            if len(parts) == 1 and isinstance(parts[0], Text):
                plain.add(parts[0].text)
            elif p.is_literal:
                plain.add(p.literal_text())
            elif p.has_variable:
                any_action = True
            elif (service := _named_service(p)) is not None:
                by_service.setdefault(service, []).append(p)
            else:
                anywhere.append(p)
        return _AllowActions(
            any_action=any_action,
            plain=frozenset(plain),
            by_service={k: tuple(v) for k, v in by_service.items()},
            anywhere=tuple(anywhere),
            excepting=tuple(s.actions for s in allows if s.not_action),
        )

    def names(self, wanted: frozenset[str]) -> frozenset[str]:
        """The (lower-case) action names of `wanted` an Allow could match (`_may_name`)."""
        if self.any_action:
            return wanted
        found = wanted & self.plain
        if self.by_service or self.anywhere:
            found |= {
                name
                for name in wanted - found
                if any(
                    glob_match(p, name, {}) for p in self.by_service.get(name.partition(":")[0], ())
                )
                or any(glob_match(p, name, {}) for p in self.anywhere)
            }
        for not_actions in self.excepting:
            found |= {name for name in wanted - found if not _excludes(not_actions, name)}
        return found


def _named_service(pattern: Pattern) -> str | None:
    """The service an action pattern names in plain text (`s3` for `s3:Get*`), or None."""
    head = pattern.parts[0] if pattern.parts else None
    if not isinstance(head, Text):
        return None
    named, colon, _rest = head.text.partition(":")
    return named if colon else None


def _may_name_service(pattern: Pattern, service: str) -> bool:
    """False when the (lower-case) action pattern names another service in plain text."""
    named = _named_service(pattern)
    return named is None or named == service


def _allows_some(policy: Policy) -> bool:
    return any(s.effect is Effect.ALLOW for s in policy.statements)


def _resource_formats(p: Planned) -> tuple[ArnFormat, ...] | None:
    """The formats the question holds the request's resource to (`goal`); None when it holds
    it to none."""
    formats = type_formats(p.action, p.types) if p.types else ()
    return formats or None


@cache
def _typed(p: Planned) -> tuple[Typing, ...]:
    """The typings of the request's action whose resource types the request acts on (any,
    when it names none): checking witnesses asks this of the same few requests throughout."""
    return tuple(t for t in typings(p.action) if not p.types or t.format.resource_type in p.types)


@cache
def _format_patterns(p: Planned) -> tuple[Pattern, ...]:
    return tuple(format_pattern(f) for f in type_formats(p.action, p.types))


def format_pattern(fmt: ArnFormat) -> Pattern:
    """The resource pattern of an ARN format: each variable a `*`."""
    parts: list[Text | Star] = []
    text = ""
    for i, comp in enumerate(fmt.components):
        pieces: list[str | Var] = [":", *comp] if i else list(comp)
        for piece in pieces:
            if isinstance(piece, str):
                text += piece
                if parts and isinstance(parts[-1], Text):
                    parts[-1] = Text(text=parts[-1].text + piece)
                else:
                    parts.append(Text(text=piece))
            else:
                text += "*"
                parts.append(Star())
    return Pattern(text=text, parts=tuple(parts))


@cache
def _catalogue_actions() -> dict[str, str]:
    """Every action of the catalogue's steps, as written, with its lower-case name."""
    return {step.action: ascii_lower(step.action) for path in catalogue() for step in path.steps}


@cache
def type_formats(action: str, types: tuple[str, ...]) -> tuple[ArnFormat, ...]:
    """The ARN formats of the resource types a request acts on."""
    service = action.split(":", 1)[0].lower()
    found = (arn_format(service, name) for name in types)
    return tuple(fmt for fmt in found if fmt is not None)


@dataclass
class _Question:
    """One path asked for one caller (`relaxed`: without the pins that may be dropped)."""

    policies: PolicySet
    path: EscalationPath
    caller: Caller
    relaxed: bool
    cuts: Cuts | None = None
    planned: tuple[Planned, ...] = field(init=False)
    own: dict[int, int] = field(init=False)  # step -> index of its own request
    kinds: list[IamKind] = field(init=False)
    parts: list[Part] | None = field(init=False)
    _cuts: Cuts = field(init=False)

    def __post_init__(self) -> None:
        self._cuts = Cuts(self.policies) if self.cuts is None else self.cuts
        self.planned = plan(self.path)
        self.own = {p.step: i for i, p in enumerate(self.planned) if p.own}
        self.kinds = self.caller.kinds(self.path)
        if not all(self._cuts.may_allow(p.action) for p in self.planned):
            self.parts = None
            return
        parts: list[Part] = []
        for p in self.planned:
            policies = self._cuts.cut(p.action, _resource_formats(p))
            if policies is None:
                self.parts = None
                return
            parts.append(Part(policies, ((literal(p.action),),), _format_patterns(p), (p.action,)))
        self.parts = parts

    @cached_property
    def possible(self) -> bool:
        """False when no question is needed: a request no statement can allow, no kind of
        caller the path is for, or no group or policy of the caller to act on."""
        if self.parts is None or not self.kinds:
            return False
        for step in self.path.steps:
            if step.target is Target.OWN_GROUP and self.caller.groups == ():
                return False
            if step.target is Target.OWN_POLICY and self.caller.policies == ():
                return False
        # A PassRole to another service than the path's: most paths the solver was asked
        # about over the managed policies, each proven after its guesses had all failed.
        return not self.ruled_out(every_pin=False)

    def ruled_out(self, every_pin: bool) -> bool:
        """Whether a request of the path, carrying the values its step pins (every pin, or
        those no question drops), meets no Allow that could apply to it (`Cuts.pinned`)."""
        for p in self.planned:
            if not p.own:
                continue
            step = self.path.steps[p.step]
            pins = (
                tuple((pin.key, pin.values) for pin in step.pins)
                if every_pin
                else _fixed_pins(step)
            )
            if pins and self._cuts.pinned(p.action, _resource_formats(p), pins) is None:
                return True
        return False

    @property
    def assumptions(self) -> tuple[str, ...]:
        """What a witness of the path takes for granted about the account."""
        out = list(self.path.requires)
        targets = {s.target for s in self.path.steps}
        if Target.OWN_GROUP in targets and self.caller.groups is None:
            out.append(IN_GROUP)
        if Target.OWN_POLICY in targets and self.caller.policies is None:
            out.append(POLICY_ATTACHED)
        return tuple(out)

    def pins(self, step: Step) -> list[tuple[str, tuple[str, ...]]]:
        return [(p.key, p.values) for p in step.pins if not (self.relaxed and p.unless)]

    # -- asking ------------------------------------------------------------------------------

    def ask(self, rlimit: int | None) -> Answer[Request]:
        """A guessed witness if the evaluator accepts one; else the solver's witness with the
        resources fixed to the ones the policies name (the context left open: a far easier
        question); else the solver's answer over every resource."""
        for guess in self.guesses():
            if all(self._cuts.is_real(r) for r in guess) and not self._judge(guess):
                return Answer.witnessed(self.polish(guess))
        assert self.parts is not None
        joint = Joint(self.parts)
        # The question over every resource is asked first: what reaches the solver is mostly
        # proven (every question over the managed policies), and a proof over every resource
        # is one with the resources fixed. Only then is the narrowed question asked, whose
        # witness is the one shown: the answer is the one asking it first gives.
        answer = joint.find(self.question, self.complete, rlimit)
        if answer.status is Status.PROVEN:
            return answer
        fixed = self.fixed_resources()
        if fixed:
            share = None if rlimit is None else max(1, rlimit // 4)
            narrowed = self.question.and_(resources_are(fixed))
            found = joint.find(narrowed, self.complete, share)
            if found.status is Status.WITNESSED:
                return found.map(self.polish(list(found.witnesses)))
        if answer.status is not Status.WITNESSED:
            return answer
        return answer.map(self.polish(list(answer.witnesses)))

    def fixed_resources(self) -> dict[int, str]:
        """For the requests whose resource is not tied to another's or to the caller, the
        first resource the policies name for them (nothing when they name none)."""
        kind = self.kinds[0]
        identity = self.caller.identity or _example_identity(kind)
        base = _as_caller(Request(action="", resource=""), identity, kind)
        out: dict[int, str] = {}
        for i, p in enumerate(self.planned):
            target = self.path.steps[p.step].target if p.own else Target.ANY
            if target in (Target.SELF, Target.SAME):
                continue
            named = self._guess_resources(p, base, [], examples=False)
            if named:
                out[i] = named[0]
        return out

    @property
    def question(self) -> JointProperty:
        """The path as one joint property: `goal` and its concrete twin `check`."""
        return JointProperty(self.path.name, self.goal, self.check)

    def goal(self, enc: JointEncoder) -> Term:
        f = enc.f
        out = [enc.caller_kind(self.kinds)]
        if self.caller.identity is not None:
            assert self.caller.kind is not None
            out.append(enc.caller_is(self.caller.identity, KINDS[self.caller.kind]))
        if self.caller.tags is not None:
            keys = {k for e in enc.encoders for k in e.keys if k.startswith("aws:principaltag/")}
            out += [enc.caller_key(k, self.caller.tag(k)) for k in sorted(keys)]
        assert self.parts is not None
        for i, p in enumerate(self.planned):
            out += [
                enc.allowed(i),
                enc.action_in(i, [literal(p.action)]),
                enc.resource_in_account(i),
            ]
            if p.types:
                out.append(enc.resource_of_format(i, type_formats(p.action, p.types)))
            if p.own:
                out.append(self._own_goal(enc, i, self.path.steps[p.step]))
        return f.and_(out)

    def _own_goal(self, enc: JointEncoder, i: int, step: Step) -> Term:
        f = enc.f
        out: list[Term] = []
        target, caller = step.target, self.caller
        if target is Target.SELF:
            out.append(enc.resource_is_caller(i))
        elif target is Target.OTHER:
            out.append(f.not_(enc.resource_names_caller(i)))
        elif target is Target.OWN_GROUP and caller.groups is not None:
            out.append(enc.resource_is(i, caller.groups))
        elif target is Target.OTHER_GROUP and caller.groups:
            out.append(f.not_(enc.resource_named(i, [_name(g) for g in caller.groups])))
        elif target is Target.OWN_POLICY and caller.policies is not None:
            out.append(enc.resource_is(i, caller.policies))
        elif target is Target.SAME:
            assert step.same_as is not None
            out.append(enc.same_resource(i, self.own[step.same_as]))
        out += [enc.key_is(i, key, values) for key, values in self.pins(step)]
        out += [
            enc.key_is_resource(i, link.key, self.own[link.step], link.optional)
            for link in step.links
        ]
        return f.and_(out)

    # -- the concrete side -------------------------------------------------------------------

    def check(self, requests: Sequence[Request]) -> list[str]:
        """What keeps `requests` from being a witness of the path; empty if nothing (the
        concrete twin of `goal`)."""
        return self._problems(requests, self._cuts.permits)

    def _judge(self, requests: Sequence[Request]) -> list[str]:
        """`check` over the statements that can apply to each request's action (`Cuts`): the
        same answer from a fraction of a large policy's statements, for the many candidates
        the guesses and the polish judge; what is shown is then `check`ed in full."""
        return self._problems(requests, self._allowed)

    def _allowed(self, req: Request) -> bool:
        return self._cuts.allowed(req)

    def _problems(
        self, requests: Sequence[Request], allowed: Callable[[Request], bool]
    ) -> list[str]:
        if len(requests) != len(self.planned):
            return [f"{len(requests)} requests for a path of {len(self.planned)}"]
        first = requests[0]
        who = iam_principal(first.principal or "")
        out: list[str] = []
        if who is None or who.kind not in {k.value for k in self.kinds}:
            out.append(f"the caller {first.principal} is not one the path is for")
        if self.caller.identity is not None and first.identity_arn != self.caller.identity:
            out.append(f"the caller is not {self.caller.identity}")
        keys = _principal_keys(first)
        for i, (p, req) in enumerate(zip(self.planned, requests, strict=True)):
            label = f"request {i + 1} ({p.action})"
            wrong = self._request_problems(p, req, first, keys, allowed)
            out += [f"{label}: {w}" for w in wrong]
            if p.own:
                wrong = self._own_problems(self.path.steps[p.step], req, requests)
                out += [f"{label}: {w}" for w in wrong]
        return out

    def _request_problems(
        self,
        p: Planned,
        req: Request,
        first: Request,
        first_keys: dict[str, tuple[str, ...]],
        allowed: Callable[[Request], bool],
    ) -> list[str]:
        """What keeps `req` from being request `p` of the path, made by the caller of `first`
        (whose principal keys are `first_keys`)."""
        out: list[str] = []
        if ascii_lower(req.action) != ascii_lower(p.action):
            out.append(f"the action is {req.action}")
        if not any(fits(t, req.resource) for t in _typed(p)):
            out.append(f"{req.resource} is not a resource of the path")
        if not allowed(req):
            out.append("the policies do not allow it")
        same = ("principal", "principal_arn", "principal_account", "principal_type")
        if any(getattr(req, a) != getattr(first, a) for a in same):
            out.append("another caller makes it")
        keys = _principal_keys(req)
        if keys != first_keys:
            out.append("the caller's keys differ from the first request's")
        if self.caller.tags is not None:
            for key, values in keys.items():
                if key.startswith("aws:principaltag/") and values != (self.caller.tag(key),):
                    out.append(f"{key} is not the caller's tag")
        if req.resource_account != req.principal_account:
            out.append("the resource is not in the caller's account")
        return out

    def _own_problems(self, step: Step, req: Request, requests: Sequence[Request]) -> list[str]:
        out: list[str] = []
        target, caller, resource = step.target, self.caller, req.resource
        if target is Target.SELF and resource != req.identity_arn:
            out.append("it does not act on the caller itself")
        if target is Target.OTHER and _same_principal(resource, req.identity_arn or ""):
            out.append("it acts on the caller itself")
        groups, policies = caller.groups, caller.policies
        if target is Target.OWN_GROUP and groups is not None and resource not in groups:
            out.append("it does not act on a group of the caller")
        if target is Target.OTHER_GROUP and _name(resource) in {_name(g) for g in groups or ()}:
            out.append("it acts on a group of the caller")
        if target is Target.OWN_POLICY and policies is not None and resource not in policies:
            out.append("it does not act on a policy attached to the caller")
        if target is Target.SAME:
            assert step.same_as is not None
            if resource != requests[self.own[step.same_as]].resource:
                out.append(f"it does not act on the resource of step {step.same_as + 1}")
        context = {k.lower(): v for k, v in req.context.items()}
        for key, values in self.pins(step):
            got = context.get(key.lower(), ())
            if len(got) != 1 or got[0] not in values:
                out.append(f"{key} is not {' or '.join(values)}")
        for link in step.links:
            got = context.get(link.key.lower(), ())
            named = requests[self.own[link.step]].resource
            if got != (named,) and not (link.optional and not got):
                out.append(f"{link.key} does not name {named}")
        return out

    def complete(self, requests: list[Request]) -> list[Request]:
        """Add to decoded requests what no policy reads but the path fixes: pinned values,
        keys naming another step's resource, and the caller's keys in every request."""
        shared: dict[str, tuple[str, tuple[str, ...]]] = {}
        for req in requests:
            for key, values in req.context.items():
                if principal_family(key.lower()) and key.lower() not in DERIVED_PRINCIPAL_KEYS:
                    shared.setdefault(key.lower(), (key, values))
        for tag, value in self.caller.tags or ():
            shared.setdefault(
                f"aws:principaltag/{tag.lower()}", (f"aws:PrincipalTag/{tag}", (value,))
            )
        out: list[Request] = []
        for i, req in enumerate(requests):
            context = dict(req.context)
            have = {k.lower() for k in context}
            for low, (key, values) in shared.items():
                if low not in have:
                    context[key] = values
            p = self.planned[i]
            if p.own:
                step = self.path.steps[p.step]
                for key, values in self.pins(step):
                    if key.lower() not in have:
                        context[key] = (values[0],)
                for link in step.links:
                    if link.key.lower() not in have and not link.optional:
                        context[link.key] = (requests[self.own[link.step]].resource,)
            out.append(req.model_copy(update={"context": context}))
        return out

    # -- guesses and readable witnesses ------------------------------------------------------

    def guesses(self) -> Iterator[list[Request]]:
        """Plain witnesses to try before the solver, for each kind of caller the path is for (or
        the known caller): request by request, a resource and context that the policies allow,
        drawn from their own Resource patterns and condition values (then an example resource),
        with the pinned and linked values and the caller's keys so far, going back to an earlier
        request's next choice when a later one finds none (the function created must be one the
        caller may also invoke); then each set with every key that links to a later request's
        resource naming it."""
        for kind in self.kinds:
            for identity in self._identities(kind):
                base = _as_caller(Request(action="", resource=""), identity, kind)
                always = {k: (v,) for k, v in ALWAYS_SENT.items()}
                base = base.model_copy(update={"context": always})
                budget = [MAX_GUESSES * len(self.planned)]
                for done in self._chains(base, [], budget):
                    found_set = self.complete(done)
                    yield found_set
                    linked = self._linked(found_set)
                    if linked != found_set:
                        yield linked

    def _chains(
        self, base: Request, done: list[Request], budget: list[int]
    ) -> Iterator[list[Request]]:
        """Depth first, the guessed request sets that extend `done`; `budget` bounds the
        candidates judged over the whole search."""
        if len(done) == len(self.planned):
            yield done
            return
        for req in self._guess_requests(self.planned[len(done)], base, done, budget):
            yield from self._chains(base, [*done, req], budget)

    def _linked(self, requests: list[Request]) -> list[Request]:
        """`requests` with every key that links to a later request's resource, when sent,
        naming that resource (a guess for a request is made before the later one's is known)."""
        out = list(requests)
        for i, p in enumerate(self.planned):
            if not p.own:
                continue
            context = dict(out[i].context)
            for link in self.path.steps[p.step].links:
                if link.step <= p.step:
                    continue
                sent = next((k for k in context if k.lower() == link.key.lower()), None)
                if sent is not None:
                    context[sent] = (requests[self.own[link.step]].resource,)
            out[i] = out[i].model_copy(update={"context": context})
        return out

    def _identities(self, kind: IamKind) -> list[str]:
        """The known caller; else an example user or role, the users or roles that the
        policies name for the path's self-modification (a policy that lets one role change
        itself is attached to that role), and those its Allows hold `aws:PrincipalArn` to."""
        if self.caller.identity is not None:
            return [self.caller.identity]
        example = _example_identity(kind)
        base = _as_caller(Request(action="", resource=""), example, kind)
        named = [
            arn
            for p in self.planned
            if p.own and self.path.steps[p.step].target is Target.SELF
            for arn in self._named(p, base)
        ]
        ctx = context_of(base)
        held = [
            arn
            for p in self.planned
            for policy in self.policies.identity
            for stmt in self._cuts.could_apply(policy, p.action).statements
            if stmt.effect is Effect.ALLOW
            for c in stmt.conditions
            if c.key == "aws:principalarn" and not c.op.negated
            for value in c.values
            if value.pattern is not None
            for arn in self._cuts.instances(value.pattern, "aws", EXAMPLE_ACCOUNT, ctx)[:1]
        ]
        who = "user/" if kind is IamKind.USER else "role/"
        out = [example, *(a for a in [*held, *named] if a.split(":", 5)[-1].startswith(who))]
        return list(dict.fromkeys(out))[:MAX_IDENTITIES]

    def _guess_requests(
        self, p: Planned, base: Request, done: list[Request], budget: list[int]
    ) -> Iterator[Request]:
        """The candidates for request `p` the policies allow, each resource with each guessed
        context, while `budget` lasts."""
        shared = {k: v for r in done for k, v in r.context.items() if _is_caller_key(k)}
        fixed: dict[str, tuple[str, ...]] = {}
        if p.own:
            step = self.path.steps[p.step]
            fixed.update({key: (values[0],) for key, values in self.pins(step)})
            for link in step.links:
                if not link.optional and link.step < len(done):
                    fixed[link.key] = (done[self.own[link.step]].resource,)
        contexts = self._guess_contexts(p, base)
        seen: list[dict[str, tuple[str, ...]]] = []
        for resource in self._guess_resources(p, base, done):
            for extra in contexts:
                context = {**base.context, **shared, **extra, **fixed}
                # Guesses that the pinned and linked values make the same are one guess.
                if context in seen:
                    continue
                seen.append(context)
                req = base.model_copy(
                    update={
                        "action": p.action,
                        "resource": resource,
                        "resource_account": base.principal_account,
                        "context": context,
                    }
                )
                if budget[0] <= 0:
                    return
                budget[0] -= 1
                if self._cuts.is_real(req) and self._allowed(req):
                    yield req
            seen.clear()

    def _guess_resources(
        self, p: Planned, base: Request, done: list[Request], examples: bool = True
    ) -> list[str]:
        identity, account = base.identity_arn or "", base.principal_account or ""
        partition = identity.split(":")[1]
        step = self.path.steps[p.step]
        if p.own:
            target, caller = step.target, self.caller
            if target is Target.SELF:
                return [identity]
            if target is Target.SAME:
                assert step.same_as is not None
                return [done[self.own[step.same_as]].resource]
            if target is Target.OWN_GROUP and caller.groups:
                return list(caller.groups)
            if target is Target.OWN_POLICY and caller.policies:
                return list(caller.policies)
        typed = _typed(p)
        if any(t.format.wildcard for t in typed):
            return ["*"] if examples else []
        named = self._named(p, base)
        if examples:
            named += [_fill(t.format, partition, account) for t in typed[:1]]
        out = list(dict.fromkeys(named))
        if p.own and step.target is Target.OTHER:
            out = [r for r in out if not _same_principal(r, identity)]
        return out

    def _named(self, p: Planned, base: Request) -> list[str]:
        """ARNs of the request's types that the Allow statements for its action name."""
        links = self._link_patterns(p)
        # What is read: the action, the types, the patterns linked to the resource (by
        # identity: they are the policies' own) and the base request.
        key = (p.action, p.types, tuple(id(x) for x in links), request_key(base))
        return self._cuts.named(key, lambda: self._named_afresh(p, base, links))

    def _named_afresh(self, p: Planned, base: Request, links: list[Pattern]) -> list[str]:
        identity, account = base.identity_arn or "", base.principal_account or ""
        partition = identity.split(":")[1]
        typed = _typed(p)
        ctx = context_of(base)
        patterns = links + [
            pattern
            for policy in self.policies.identity
            for stmt in self._cuts.could_apply(policy, p.action).statements
            if stmt.effect is Effect.ALLOW and not stmt.not_resource
            for pattern in stmt.resources or ()
        ]
        plain = [
            arn
            for pattern in patterns
            for arn in self._cuts.instances(pattern, partition, account, ctx)
            if any(fits(t, arn) for t in typed)
        ]
        # Then, for patterns none of whose plain fillings has the format, one that has, each
        # variable the caller does not fix being `example` (a guessed context sends it).
        filled = {**ctx, **{k: (FILLER,) for k in _unfixed(patterns, ctx)}}
        met = (
            arn
            for pattern in patterns
            if not any(
                any(fits(t, arn) for t in typed)
                for arn in self._cuts.instances(pattern, partition, account, ctx)
            )
            for arn in [
                *self._cuts.instances(pattern, partition, account, filled),
                *(self._cuts.meet(pattern, t.format, partition, account, filled) for t in typed),
            ]
        )
        found = [arn for arn in met if arn is not None and any(fits(t, arn) for t in typed)]
        return plain + list(dict.fromkeys(found))

    def _link_patterns(self, p: Planned) -> list[Pattern]:
        """The patterns an earlier request's Allow conditions hold a key naming this request's
        resource to (the iam:AssociatedResourceArn of a role passed to the function created):
        the resource must meet them too."""
        if not p.own:
            return []
        return [
            value.pattern
            for q in self.planned
            if q.own
            for link in self.path.steps[q.step].links
            if link.step == p.step
            for policy in self.policies.identity
            for stmt in self._cuts.could_apply(policy, q.action).statements
            if stmt.effect is Effect.ALLOW
            for c in stmt.conditions
            if c.key == link.key.lower() and not c.op.negated
            for value in c.values
            if value.pattern is not None
        ]

    def _guess_contexts(self, p: Planned, base: Request) -> list[dict[str, tuple[str, ...]]]:
        """No extra key, then each Allow statement's positive conditions, each key with its
        first value; then the same with values that name a policy variable filled in (the
        variable's key sent too when the caller does not fix it); then each of these with the
        values that a Deny's negated conditions spare. Guesses: the evaluator judges them."""
        out: list[dict[str, tuple[str, ...]]] = [{}]
        ctx = context_of(base)
        for policy in self.policies.identity:
            for stmt in self._cuts.could_apply(policy, p.action).statements:
                if stmt.effect is not Effect.ALLOW or not stmt.conditions:
                    continue
                # A derived key (aws:PrincipalArn) is never sent: the caller tried fixes it.
                guessed: dict[str, tuple[str, ...]] = {
                    c.key_text: (value,)
                    for c in stmt.conditions
                    if not c.op.negated
                    and c.key not in DERIVED_KEYS
                    and (value := _condition_value(c)) is not None
                }
                if guessed and guessed not in out:
                    out.append(guessed)
                filled = dict(guessed)
                for c in stmt.conditions:
                    if not c.op.negated and c.key not in DERIVED_KEYS and c.key_text not in filled:
                        filled.update(variable_value(c, ctx))
                for key in _unfixed(stmt.resources or (), ctx):
                    filled.setdefault(key, (FILLER,))
                if filled != guessed and filled not in out:
                    out.append(filled)
        # A Deny whose negated condition spares the requests that carry its value.
        spared: dict[str, tuple[str, ...]] = {
            c.key_text: (value,)
            for policy in self.policies.identity
            for stmt in self._cuts.could_apply(policy, p.action).statements
            if stmt.effect is Effect.DENY
            for c in stmt.conditions
            if c.op.negated
            and c.key not in DERIVED_KEYS
            and (value := _condition_value(c)) is not None
        }
        if spared:
            out += [s for s in ({**spared, **o} for o in list(out)) if s not in out]
        return out

    def polish(self, requests: list[Request]) -> list[Request]:
        """A more readable witness of the path: an example caller (when the caller is not
        known), then readable resource names, each change kept only if the set still passes."""

        def keep(candidate: list[Request]) -> bool:
            return all(self._cuts.is_real(r) for r in candidate) and not self._judge(candidate)

        first = requests[0]
        who = iam_principal(first.principal or "")
        if who is not None and first.identity_arn is not None:
            kind = "user" if who.kind == "User" else "role"
            identity = self.caller.identity or _example_identity(KINDS[kind])
            candidate = _recaller(requests, identity, KINDS[kind])
            # Most witnesses are guessed for the example caller already: then nothing changed.
            if candidate != requests and keep(candidate):
                requests = candidate
        for i in range(len(requests)):
            for new in _readable(requests[i]):
                old = requests[i].resource
                if new != old and keep(candidate := [_substitute(r, {old: new}) for r in requests]):
                    requests = candidate
        recheck(requests, self.check, real_problems)
        return requests


def _permits(policies: PolicySet, req: Request) -> bool:
    return evaluate(policies, req).decision is Decision.ALLOWED


def _name(arn: str) -> str:
    """The name of a user, role or group: the last part of its ARN (names are unique in an
    account, whatever the path)."""
    return arn.rsplit("/", 1)[-1]


def _same_principal(resource: str, identity: str) -> bool:
    """The resource is the user or role `identity`, whatever path its ARN gives."""
    kind = identity.split(":", 5)[-1].split("/", 1)[0]
    prefix = identity.split(":", 5)
    head = ":".join(prefix[:5]) + f":{kind}/"
    return resource.startswith(head) and _name(resource) == _name(identity)


def _principal_keys(req: Request) -> dict[str, tuple[str, ...]]:
    return {
        k.lower(): v
        for k, v in req.context.items()
        if principal_family(k.lower()) and k.lower() not in DERIVED_PRINCIPAL_KEYS
    }


def _example_identity(kind: IamKind) -> str:
    name = "user/ExampleUser" if kind is IamKind.USER else "role/ExampleRole"
    return f"arn:aws:iam::{EXAMPLE_ACCOUNT}:{name}"


def _as_caller(base: Request, identity: str, kind: IamKind) -> Request:
    """`base` made by the user `identity`, or by a session of the role `identity`."""
    partition, account = identity.split(":")[1], identity.split(":")[4]
    if kind is IamKind.USER:
        principal, principal_arn = identity, None
    else:
        role = identity.rsplit("/", 1)[1]
        principal = f"arn:{partition}:sts::{account}:assumed-role/{role}/{EXAMPLE_SESSION}"
        principal_arn = identity
    return base.model_copy(
        update={
            "principal": principal,
            "principal_arn": principal_arn,
            "principal_account": account,
            "principal_type": PrincipalType.AWS,
        }
    )


def _recaller(requests: list[Request], identity: str, kind: IamKind) -> list[Request]:
    """The requests made by another caller: its identity, account and unique id replace the
    old ones wherever they appear."""
    first = requests[0]
    old_identity, old_account = first.identity_arn or "", first.principal_account or ""
    account = identity.split(":")[4]
    mapping = {old_identity: identity}
    for req in requests:
        elsewhere = _in_account(req.resource, old_account, account)
        if elsewhere != req.resource:
            mapping.setdefault(req.resource, elsewhere)
    userid = (
        "AIDAEXAMPLEUSERID0001"
        if kind is IamKind.USER
        else f"AROAEXAMPLEROLEID0001:{EXAMPLE_SESSION}"
    )
    out: list[Request] = []
    for req in requests:
        moved = _as_caller(_substitute(req, mapping), identity, kind)
        context = {
            k: ((userid,) if k.lower() == "aws:userid" else v) for k, v in moved.context.items()
        }
        resource_account = account if req.resource_account == old_account else req.resource_account
        out.append(
            moved.model_copy(update={"context": context, "resource_account": resource_account})
        )
    return out


def _in_account(arn: str, old: str, new: str) -> str:
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[4] == old:
        parts[4] = new
    return ":".join(parts)


def _substitute(req: Request, mapping: dict[str, str]) -> Request:
    """`req` with every resource or context value equal to a key of `mapping` replaced (`req`
    itself when none is: the polish tries each name in every request of a witness)."""
    if req.resource not in mapping and not any(
        v in mapping for vs in req.context.values() for v in vs
    ):
        return req
    context = {k: tuple(mapping.get(v, v) for v in vs) for k, vs in req.context.items()}
    return req.model_copy(
        update={"resource": mapping.get(req.resource, req.resource), "context": context}
    )


def _readable(req: Request) -> Iterator[str]:
    """The request's resource with one more variable of its format made readable each time: a
    region us-east-1, a name `example-<name>` or, if the policy needs its prefix, the solver's
    value with `example` after it (`sagemaker-` -> `sagemaker-example`)."""
    resource = req.resource
    for typing in typings(req.action):
        if typing.format.wildcard or not fits(typing, resource):
            continue
        spans = _variable_spans(typing.format, resource)
        for start, end, name in reversed(spans):
            value = resource[start:end]
            if value == _example(name):
                continue  # already readable: `us-east-1` must not become `us-east-1example`
            options = [_example(name)]
            if value.isprintable() and not value.endswith("example"):
                options.append(value + "example")
            for option in options:
                if option != value:
                    yield resource[:start] + option + resource[end:]
        return


def _variable_spans(fmt: ArnFormat, resource: str) -> list[tuple[int, int, str]]:
    """Where each variable of the format (partition and account aside) sits in the ARN."""
    names: list[str] = []
    comps: list[str] = []
    for comp in fmt.components:
        rx = ""
        for piece in comp:
            if isinstance(piece, str):
                rx += re.escape(piece)
            elif piece.kind in ("partition", "account"):
                rx += "[^:]+"
            else:
                names.append(piece.name)
                body = ".+?" if piece.kind == "any" else "[^:/]+"
                rx += f"({body})"
        comps.append(rx)
    found = re.fullmatch(":".join(comps), resource, re.DOTALL)
    if found is None:
        return []
    return [(found.start(k + 1), found.end(k + 1), n) for k, n in enumerate(names)]


def _fill(fmt: ArnFormat, partition: str, account: str) -> str:
    """An ARN of the format: the partition and account given, region us-east-1, every other
    variable an example name (`${FunctionName}` -> `example-function`)."""
    comps: list[str] = []
    for comp in fmt.components:
        text = ""
        for piece in comp:
            if isinstance(piece, str):
                text += piece
            elif piece.kind == "partition":
                text += partition
            elif piece.kind == "account":
                text += account
            else:
                text += _example(piece.name)
        comps.append(text)
    return ":".join(comps)


def _example(variable: str) -> str:
    if variable.lower() == "region":
        return "us-east-1"
    stem = re.sub(r"(NameWithPath|Name|Id|Identifier|Arn)$", "", variable) or variable
    return "example-" + re.sub(r"(?<!^)(?=[A-Z])", "-", stem).lower()


def _is_caller_key(key: str) -> bool:
    low = key.lower()
    return principal_family(low) and low not in DERIVED_PRINCIPAL_KEYS


def _instances(pattern: Pattern, partition: str, account: str, ctx: Context) -> list[str]:
    """ARNs the pattern matches: `*` in the region and account segments is us-east-1 and the
    caller's account, elsewhere `example` (in the resource segment also `example/example`,
    for formats with a path); `?` is `x`; a variable takes the caller's value (none: no ARN)."""
    values = _variable_values(pattern, ctx)
    if pattern.is_match_all or values is None:
        return []
    return list(_filled(pattern, partition, account, values))


def _variable_values(pattern: Pattern, ctx: Context) -> tuple[str, ...] | None:
    """The value each policy variable of the pattern takes, in order: the caller's single
    value, else the variable's default; None when one has neither."""
    values: list[str] = []
    for part in pattern.parts:
        if isinstance(part, Variable):
            sent = ctx.get(part.key, ())
            value = sent[0] if len(sent) == 1 else part.default
            if value is None:
                return None
            values.append(value)
    return tuple(values)


def _filled(pattern: Pattern, partition: str, account: str, values: tuple[str, ...]) -> list[str]:
    """`_instances` with `values` for the pattern's variables, in order."""
    out: list[str] = []
    segments = arn_segments(pattern)
    for filler in ("example", "example/example", "example/example/example"):
        given = iter(values)
        texts: list[str] = []
        for i, segment in enumerate(segments):
            text = ""
            for part in segment:
                if isinstance(part, Text):
                    text += part.text
                elif isinstance(part, Star):
                    text += {1: partition, 3: "us-east-1", 4: account}.get(i, filler)
                elif isinstance(part, AnyChar):
                    text += "x"
                else:
                    text += next(given)
            texts.append(text)
        arn = ":".join(texts)
        if arn not in out:
            out.append(arn)
    return out


def _unfixed(patterns: Iterable[Pattern], ctx: Context) -> list[str]:
    """The keys of the patterns' policy variables that have no value in `ctx` and no default
    (a guess may send them)."""
    return [
        part.key
        for pattern in patterns
        for part in pattern.parts
        if isinstance(part, Variable) and part.default is None and part.key not in ctx
    ]


def _condition_value(cond: Condition) -> str | None:
    """A value that satisfies a positive condition's first value, when one is easy to give."""
    if not cond.values:
        return None
    first = cond.values[0]
    if cond.op.family is Family.NULL:
        return None if first.flag else "example"
    if cond.op.family is Family.IP:
        if first.cidr is None:
            return None
        return str(ipaddress.ip_network(first.text, strict=False).network_address)
    pattern = first.pattern
    if pattern is not None and pattern.has_variable:
        return None
    if pattern is not None and pattern.has_wildcard:
        # What the pattern matches rather than its text: `*` is no value a key carries.
        if cond.op.family is Family.ARN:
            return next(iter(_instances(pattern, "aws", EXAMPLE_ACCOUNT, {})), None)
        return "".join(
            p.text if isinstance(p, Text) else FILLER if isinstance(p, Star) else "x"
            for p in pattern.parts
        )
    return first.text
