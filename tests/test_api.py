"""The library API over the bundled examples: each function answers as its verb does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyreason import api
from policyreason.analysis.compare import CompareVerdict
from policyreason.analysis.evaluate import Decision
from policyreason.ir.answer import Status
from policyreason.ir.policy import PolicyKind, PolicySet
from policyreason.ir.request import Request

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "examples" / "policies"
NETWORKS = ROOT / "examples" / "networks"


def test_read_policy_reads_the_one_policy_and_its_kind() -> None:
    policy = api.read_policy(POLICIES / "bucket-public-website.json")
    assert policy.kind is PolicyKind.RESOURCE
    assert [s.sid for s in policy.statements] == ["PublicWebsite", "Owner"]
    assert api.read_policy(POLICIES / "s3-read.json", "identity").kind is PolicyKind.IDENTITY


@pytest.mark.parametrize(
    ("text", "code"),
    [('{"Version": "2012-10-17", "Statement": [', "syntax"), ("{}", "no-policy")],
)
def test_read_policy_raises_a_located_error(tmp_path: Path, text: str, code: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(api.InputError) as info:
        api.read_policy(path)
    assert info.value.code == code
    assert info.value.span.file.endswith("bad.json") and info.value.span.line >= 1


def test_check_reports_as_the_verb_does() -> None:
    report = api.check([POLICIES / "bucket-public-website.json", POLICIES / "s3-read.json"])
    assert [Path(f.path).name for f in report.files] == [
        "bucket-public-website.json",
        "s3-read.json",
    ]
    public = [r for r in report.findings if r.finding.rule_id == "PR601"]
    assert len(public) == 1 and public[0].finding.status.value == "witnessed"
    assert report.gate.exit_code == 1


def test_is_public_witnesses_a_referer_only_grant_and_proves_an_org_pin() -> None:
    result = api.is_public(POLICIES / "bucket-public-website.json")
    assert result.answer.status is Status.WITNESSED
    witness = result.answer.witness
    assert witness is not None and witness.action.lower() == "s3:getobject"
    # The witness is a request the policy really allows from outside the account.
    assert witness.principal_account != "111122223333"
    assert api.is_public(POLICIES / "bucket-org-only.json").answer.status is Status.PROVEN


def test_compare_finds_access_gained_and_lost() -> None:
    old, new = api.read_policy(POLICIES / "s3-read.json"), POLICIES / "s3-read-widened.json"
    result = api.compare(old, new, witnesses=1)
    # The widened policy reads the whole bucket but no longer lists it.
    assert result.verdict is CompareVerdict.INCOMPARABLE
    gained, lost = result.new_access.witness, result.lost_access.witness
    assert gained is not None and gained.action.lower().startswith("s3:get")
    assert lost is not None and lost.action.lower() == "s3:listbucket"
    assert api.compare(old, old).verdict is CompareVerdict.EQUIVALENT


def test_can_evaluates_one_request() -> None:
    request = Request(
        principal="arn:aws:iam::111122223333:user/alice",
        principal_account="111122223333",
        action="s3:GetObject",
        resource="arn:aws:s3:::team-data/reports/q1.csv",
        context={"aws:SecureTransport": ("true",)},
    )
    widened = POLICIES / "s3-read-widened.json"
    assert api.can(widened, request).decision is Decision.ALLOWED
    secret = request.model_copy(update={"resource": "arn:aws:s3:::team-data/secrets/key"})
    assert api.can(widened, secret).decision is Decision.EXPLICIT_DENY
    no_tls = request.model_copy(update={"context": {}})
    policies = PolicySet(identity=(api.read_policy(widened),))
    assert api.can(policies, no_tls).decision is Decision.IMPLICIT_DENY


def test_can_refuses_a_policy_with_template_values_it_is_not_given(tmp_path: Path) -> None:
    path = tmp_path / "templated.json"
    path.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::${BucketName}/*",
                    }
                ],
            }
        )
    )
    request = Request(
        principal="arn:aws:iam::111122223333:user/alice",
        action="s3:GetObject",
        resource="arn:aws:s3:::logs/a",
    )
    with pytest.raises(api.Undecidable) as info:
        api.can(path, request)
    assert info.value.missing == ("BucketName",)
    given = request.model_copy(update={"bindings": {"BucketName": "logs"}})
    assert api.can(path, given).decision is Decision.ALLOWED


def test_reach_witnesses_ssh_from_the_internet_and_proves_the_database_closed() -> None:
    network = NETWORKS / "public-web.net"
    ssh = api.reach(network, "internet", "i-web", "tcp", 22)
    assert ssh.answer.status is Status.WITNESSED
    assert ssh.paths[0].packet.dst_port == 22
    db = api.reach(network, "internet", "i-db", "tcp", 5432)
    assert db.answer.status is Status.PROVEN and db.blocked is not None


def test_importing_the_api_loads_no_solver() -> None:
    probe = "import sys, policyreason.api\nprint('cvc5' in sys.modules)\n"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
