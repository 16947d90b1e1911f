"""Template values: what a template leaves to the deployment is a symbol the solver ranges over.

Each reproduction of issue 14's template part has its test here; the property tests hold the
encoding of template values to their meaning, which is substitution: a policy with template
values, under values for them, means what the policy with those values written in means.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policyreason.analysis import questions
from policyreason.analysis.evaluate import allows
from policyreason.analysis.external import external_access
from policyreason.analysis.public import public_access
from policyreason.analysis.scope import parse_zone
from policyreason.analysis.search import search_requests
from policyreason.cli import main
from policyreason.inputs import LoadOptions, load_file
from policyreason.ir.answer import Status
from policyreason.ir.policy import Policy, PolicyKind
from policyreason.ir.request import Request
from policyreason.ir.template import names_in
from policyreason.parse.policy import parse_policy_text
from policyreason.smt.encode_policy import PolicyEncoder
from policyreason.smt.factory import Term
from tests.pinning import holds_for
from tests.strategies import ACCOUNT_A, ACCOUNT_B, CALLS, policy_documents, requests

RESTRICTED = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  RestrictedPrefixArn:
    Type: String
Resources:
  SiteBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: site
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::site/*
          - Effect: Deny
            Principal: "*"
            Action: s3:GetObject
            Resource: !Ref RestrictedPrefixArn
"""

IDIOMS = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
          - Effect: Allow
            Principal: {Service: !Sub "logs.${AWS::Region}.amazonaws.com"}
            Action: [kms:Encrypt*, kms:Decrypt*, kms:GenerateDataKey*, kms:Describe*]
            Resource: "*"
            Condition:
              ArnLike:
                kms:EncryptionContext:aws:logs:arn: !Sub
                  "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:*"
  DeployRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: !Sub "codepipeline.${AWS::URLSuffix}"}
            Action: sts:AssumeRole
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
            Action: sts:AssumeRole
  OAI:
    Type: AWS::CloudFront::CloudFrontOriginAccessIdentity
    Properties:
      CloudFrontOriginAccessIdentityConfig: {Comment: site}
  SiteBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Site
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {CanonicalUser: !GetAtt OAI.S3CanonicalUserId}
            Action: s3:GetObject
            Resource: !Sub "${Site.Arn}/*"
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: s3:PutObject
            Resource: !Sub "${Site.Arn}/incoming/*"
            Condition:
              ArnEquals:
                aws:SourceArn: !Sub "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:uploads"
  Site:
    Type: AWS::S3::Bucket
"""

# The key policy the KMS console writes (key administrators and users are roles of the
# stack's own account), as a template writes it.
KMS_DEFAULT_KEY = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  AdminRoleName: {Type: String}
  UserRoleName: {Type: String}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Version: "2012-10-17"
        Id: key-consolepolicy-3
        Statement:
          - Sid: Enable IAM User Permissions
            Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:root"}
            Action: kms:*
            Resource: "*"
          - Sid: Allow access for Key Administrators
            Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:role/${AdminRoleName}"}
            Action: [kms:Create*, kms:Describe*, kms:Enable*, kms:List*, kms:Put*, kms:Update*,
                     kms:Revoke*, kms:Disable*, kms:Get*, kms:Delete*, kms:TagResource,
                     kms:UntagResource, kms:ScheduleKeyDeletion, kms:CancelKeyDeletion]
            Resource: "*"
          - Sid: Allow use of the key
            Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:role/${UserRoleName}"}
            Action: [kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*,
                     kms:DescribeKey]
            Resource: "*"
          - Sid: Allow attachment of persistent resources
            Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${AWS::AccountId}:role/${UserRoleName}"}
            Action: [kms:CreateGrant, kms:ListGrants, kms:RevokeGrant]
            Resource: "*"
            Condition: {Bool: {kms:GrantIsForAWSResource: "true"}}
"""


def _documents(tmp_path: Path, text: str, name: str = "stack.yaml") -> dict[str, Policy]:
    path = tmp_path / name
    path.write_text(text)
    out: dict[str, Policy] = {}
    for doc in load_file(path).documents:
        assert doc.parsed.policy is not None, [str(d) for d in doc.all_diagnostics]
        out[doc.name] = doc.parsed.policy
    return out


def _policy(doc: dict[str, Any], kind: PolicyKind = PolicyKind.RESOURCE) -> Policy:
    parsed = parse_policy_text(json.dumps(doc), "p.json", kind)
    assert parsed.policy is not None, [str(d) for d in parsed.diagnostics]
    return parsed.policy


# -- the reproductions -----------------------------------------------------------------------


def test_a_deny_on_a_parameter_is_no_proof_public_with_the_value(tmp_path: Path) -> None:
    policy = _documents(tmp_path, RESTRICTED)["SiteBucketPolicy.PolicyDocument"]
    result = public_access(policy)
    assert result.public is True, result.reason
    witness = result.witness
    assert witness is not None
    value = witness.bindings["RestrictedPrefixArn"]
    assert "when RestrictedPrefixArn = " + value in result.reason
    assert witness.to_json()["template_values"] == {"RestrictedPrefixArn": value}
    # The Deny, with the value the solver chose, does not cover the request.
    assert value != witness.resource


def test_the_common_idioms_are_not_public(tmp_path: Path) -> None:
    docs = _documents(tmp_path, IDIOMS)
    assert set(docs) == {
        "Key.KeyPolicy",
        "DeployRole.AssumeRolePolicyDocument",
        "SiteBucketPolicy.PolicyDocument",
    }
    for name, policy in docs.items():
        result = public_access(policy)
        assert result.public is False, (name, result.reason)
        assert "for every value of its template values" in result.reason


def test_the_stack_account_is_in_the_zone_of_trust(tmp_path: Path) -> None:
    docs = _documents(tmp_path, IDIOMS)
    trust = docs["DeployRole.AssumeRolePolicyDocument"]
    result = external_access(trust, parse_zone(["444455556666"]))
    assert result.complete, result.reason
    principals = {f.principal.value for f in result.findings}
    # The service is outside any account's zone; the stack's own root is inside it.
    assert principals == {"codepipeline.${AWS.URLSuffix}"}


LOG_DELIVERY = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  LogsBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: logs
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: !Sub "logging.s3.${AWS::URLSuffix}"}
            Action: s3:PutObject
            Resource: arn:aws:s3:::logs/*
            Condition:
              StringEquals: {aws:SourceAccount: !Ref AWS::AccountId}
"""


def test_a_service_acting_for_the_stack_account_is_inside_the_zone(tmp_path: Path) -> None:
    policy = _documents(tmp_path, LOG_DELIVERY)["LogsBucketPolicy.PolicyDocument"]
    # A tenth of the default limit: the cell of the service acting for another account than
    # the stack's took the solver 8 s, most of the default limit, when the pinned account was
    # compared lower-cased.
    result = external_access(policy, parse_zone(["111122223333"]), rlimit=200_000)
    assert result.complete, result.reason
    assert result.findings == []


def test_aws_default_key_policy_passes_the_gate(tmp_path: Path) -> None:
    path = tmp_path / "key.yaml"
    path.write_text(KMS_DEFAULT_KEY)
    assert main(["check", str(path), "--format", "json"]) == 0


BRANCHES = """
Conditions:
  HasStage: !Not [!Equals [!Ref Stage, ""]]
Parameters:
  Stage: {Type: String}
Resources:
  Topic: {Type: AWS::SNS::Topic}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com},
                     Action: sts:AssumeRole}]
      Policies:
        - PolicyName: publish
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sns:Publish
                Resource: !If [HasStage, !Sub "arn:aws:sns:*:*:ingest-${Stage}", !Ref Topic]
"""


def test_the_branches_of_an_if_never_make_each_other_redundant(tmp_path: Path) -> None:
    """No deployment has both branches, so neither is asked about as covering the other."""
    from policyreason.analysis.redundancy import redundant_statements

    policy = _documents(tmp_path, BRANCHES)["Role.Policies[publish]"]
    assert len(policy.statements) == 2
    assert redundant_statements(policy) == []


def test_a_raw_policy_placeholder_stays_symbolic(tmp_path: Path) -> None:
    pinned = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "${ORG_ID}"}},
            }
        ],
    }
    result = public_access(_policy(pinned))
    assert result.public is False, result.reason
    assert "aws:PrincipalOrgID = ${ORG_ID}" in result.reason
    pinned["Statement"][0]["Condition"] = {"StringNotEquals": {"aws:PrincipalOrgID": "${ORG_ID}"}}  # type: ignore[index]
    result = public_access(_policy(pinned))
    assert result.public is True and result.witness is not None
    value = result.witness.bindings["ORG_ID"]
    assert value  # a value the solver chose, never an empty string standing for nothing
    assert result.witness.context.get("aws:PrincipalOrgID", ("",))[0] != value


def test_can_asks_for_the_template_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bucket.json"
    path.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:user/alice"},
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::${Bucket}/*",
                    }
                ],
            }
        )
    )
    request = ["--action", "s3:GetObject", "--resource", "arn:aws:s3:::logs/k"]
    caller = f"arn:aws:iam::{ACCOUNT_A}:user/alice"
    request += ["--principal", caller, "--resource-policy", str(path)]
    assert main(["can", *request]) == 2
    error = capsys.readouterr().err
    assert "AWS::AccountId" in error and "Bucket" in error
    values = ["--template-value", f"AWS::AccountId={ACCOUNT_A}", "--template-value", "Bucket=logs"]
    assert main(["can", *request, *values]) == 0
    assert main(["can", *request, *values[:2], "--template-value", "Bucket=other"]) == 1


# -- what cannot be represented is unknown, never proven -----------------------------------


def test_what_a_macro_writes_makes_the_answer_unknown(tmp_path: Path) -> None:
    text = RESTRICTED.replace(
        "          - Effect: Deny",
        "          - Fn::Transform: {Name: AddStatements}\n          - Effect: Deny",
    )
    policy = _documents(tmp_path, text)["SiteBucketPolicy.PolicyDocument"]
    result = public_access(policy)
    assert result.public is None
    assert "AddStatements" in result.reason


def test_a_list_known_only_at_deployment_makes_the_answer_unknown(tmp_path: Path) -> None:
    text = RESTRICTED.replace("Type: String", "Type: CommaDelimitedList")
    policy = _documents(tmp_path, text)["SiteBucketPolicy.PolicyDocument"]
    assert [s.effect.value for s in policy.statements] == ["Allow"]
    result = public_access(policy)
    assert result.public is None
    assert "RestrictedPrefixArn (a list)" in result.reason


def test_a_value_from_a_template_in_a_numeric_condition_is_unknown() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:ListBucket",
                "Resource": "arn:aws:s3:::b",
                "Condition": {"NumericLessThan": {"s3:max-keys": "${MaxKeys}"}},
            }
        ],
    }
    result = public_access(_policy(doc))
    assert result.public is None and "MaxKeys" in result.reason


def test_an_action_from_a_template_is_unknown() -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:${Op}", "Resource": "*"},
        ],
    }
    result = public_access(_policy(doc))
    assert result.public is None and "template value Op" in result.reason


# -- Terraform: a policy known only after apply ----------------------------------------------


def _plan(resources: list[object], unknown: list[object]) -> dict[str, Any]:
    statement = {
        "actions": ["s3:GetObject"],
        "condition": [],
        "effect": "Deny",
        "not_actions": [],
        "not_principals": [],
        "not_resources": [],
        "principals": [{"identifiers": ["*"], "type": "*"}],
        "resources": resources,
        "sid": "Restricted",
    }
    allow = {**statement, "effect": "Allow", "resources": ["arn:aws:s3:::site/*"], "sid": "Read"}
    marks = {"actions": [False], "principals": [{"identifiers": [False]}], "resources": unknown}
    return {
        "format_version": "1.2",
        "resource_changes": [
            {
                "address": "aws_s3_bucket_policy.site",
                "mode": "managed",
                "type": "aws_s3_bucket_policy",
                "name": "site",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": {"bucket": "site"},
                    "after_unknown": {"policy": True},
                },
            },
            {
                "address": "data.aws_iam_policy_document.site",
                "mode": "data",
                "type": "aws_iam_policy_document",
                "name": "site",
                "change": {
                    "actions": ["read"],
                    "before": None,
                    "after": {"statement": [allow, statement], "version": None},
                    "after_unknown": {"json": True, "statement": [{}, marks]},
                },
            },
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_s3_bucket_policy.site",
                        "expressions": {
                            "policy": {"references": ["data.aws_iam_policy_document.site.json"]}
                        },
                    }
                ]
            }
        },
    }


def test_a_plan_policy_known_after_apply_is_rebuilt_with_template_values(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan([None], [True]), indent=1))
    docs = {d.name: d for d in load_file(path).documents}
    doc = docs["aws_s3_bucket_policy.site.policy"]
    policy = doc.parsed.policy
    assert policy is not None and not policy.unmodelled
    assert names_in(policy) == ("site.statement.1.resources.0",)
    assert any(d.code == "tf-rebuilt" for d in doc.diagnostics)
    result = public_access(policy)
    assert result.public is True and result.witness is not None
    assert "site.statement.1.resources.0" in result.witness.bindings


def test_a_plan_list_known_after_apply_is_unmodelled(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan([], True)))
    doc = next(d for d in load_file(path).documents if d.name.startswith("aws_s3"))
    policy = doc.parsed.policy
    assert policy is not None and [s.sid for s in policy.statements] == ["Read"]
    assert policy.unmodelled and public_access(policy).public is None


def test_diff_plan_gates_on_the_rebuilt_policy(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(_plan([None], [True])))
    assert main(["diff", "--plan", str(path), "--format", "json"]) == 1


def test_configured_values_still_win(tmp_path: Path) -> None:
    path = tmp_path / "stack.yaml"
    path.write_text(RESTRICTED)
    options = LoadOptions(parameters={"RestrictedPrefixArn": "arn:aws:s3:::site/*"})
    (doc,) = load_file(path, options).documents
    policy = doc.parsed.policy
    assert policy is not None and not names_in(policy)
    assert public_access(policy).public is False


# -- the meaning of a template value is substitution -------------------------------------------

# Values a template could give, and the literal text in generated policies each replaces.
VALUES: dict[str, list[str]] = {
    "Bucket": ["b", "c", "alice"],
    "AWS.AccountId": [ACCOUNT_A, ACCOUNT_B],
    "Partner": [ACCOUNT_A, ACCOUNT_B],
    "AWS.Region": ["us-east-1", "eu-west-1"],
    "RoleName": ["app", "ops"],
    "ResourceArn": sorted({r for _a, r in CALLS if r != "*"}),
    "Team": ["ops", "dev"],
    "Flag": ["true", "false"],
}
SPELLING = {"AWS.AccountId": "${AWS::AccountId}", "AWS.Region": "${AWS::Region}"}


def _templated(doc: Any, draw: st.DrawFn, where: str = "") -> Any:
    """The generated document with some of its values turned into template values (`where`
    is the element or operator the value sits in)."""
    if isinstance(doc, list):
        return [_templated(v, draw, where) for v in doc]
    if isinstance(doc, dict):
        return {
            k: _templated(v, draw, where if k.startswith("aws:") else k) for k, v in doc.items()
        }
    if not isinstance(doc, str) or not draw(st.booleans()):
        return doc
    if where in ("Resource", "NotResource") and "$" not in doc and draw(st.booleans()):
        return "${ResourceArn}"
    if where == "Bool":
        return "${Flag}"
    out = doc.replace("arn:aws:s3:::b", "arn:aws:s3:::${Bucket}")
    out = out.replace(ACCOUNT_A, "${AWS::AccountId}").replace(ACCOUNT_B, "${Partner}")
    out = out.replace("us-east-1", "${AWS::Region}").replace("role/app", "role/${RoleName}")
    return "${Team}" if doc == "ops" else out


@st.composite
def templated_policies(draw: st.DrawFn) -> dict[str, Any]:
    return _templated(draw(policy_documents(PolicyKind.RESOURCE)), draw)  # type: ignore[no-any-return]


def _substituted(doc: Any, bindings: dict[str, str]) -> Any:
    if isinstance(doc, list):
        return [_substituted(v, bindings) for v in doc]
    if isinstance(doc, dict):
        return {k: _substituted(v, bindings) for k, v in doc.items()}
    if isinstance(doc, str):
        for name, value in bindings.items():
            doc = doc.replace(SPELLING.get(name, "${" + name + "}"), value)
    return doc


def _bindings(draw: st.DrawFn) -> dict[str, str]:
    return {name: draw(st.sampled_from(values)) for name, values in VALUES.items()}


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(doc=templated_policies(), req=requests(), data=st.data())
def test_values_of_a_template_mean_their_substitution(
    doc: dict[str, Any], req: Request, data: st.DataObject
) -> None:
    bindings = _bindings(data.draw)
    templated = _policy(doc)
    concrete = _policy(_substituted(doc, bindings))
    bound = req.model_copy(update={"bindings": bindings})
    assert allows(templated, bound) == allows(concrete, req)


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=templated_policies(), req=requests(), data=st.data())
def test_solver_matches_evaluator_under_template_values(
    doc: dict[str, Any], req: Request, data: st.DataObject
) -> None:
    policy = _policy(doc)
    bindings = {n: v for n, v in _bindings(data.draw).items() if n in names_in(policy)}
    bound = req.model_copy(update={"bindings": bindings})

    def goal(enc: PolicyEncoder) -> Term:
        f = enc.f
        pinned = [f.eq(enc.templates.value(n), f.string(v)) for n, v in bindings.items()]
        return f.and_([enc.allows(policy), *pinned])

    assert holds_for([policy], bound, goal) == allows(policy, bound)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=templated_policies())
def test_a_witness_with_its_values_written_in_is_a_witness_of_the_concrete_policy(
    doc: dict[str, Any],
) -> None:
    policy = _policy(doc)
    found = search_requests([policy], questions.allows(policy), 1, None)
    assert found.status is not Status.UNKNOWN, found.reason
    for witness in found.witnesses:
        concrete = _policy(_substituted(doc, witness.bindings))
        plain = witness.model_copy(update={"bindings": {}})
        assert allows(concrete, plain), (witness.bindings, witness.to_json())


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=templated_policies(), data=st.data())
def test_not_public_for_every_value_holds_for_each_value(
    doc: dict[str, Any], data: st.DataObject
) -> None:
    policy = _policy(doc)
    result = public_access(policy)
    if result.public is not False:
        return
    bindings = _bindings(data.draw)
    concrete = public_access(_policy(_substituted(doc, bindings)), result.resource_type)
    # Under the same resource limit as the tool's: a witness for one value would contradict the
    # proof for every value; an unknown at the limit says nothing either way.
    assert concrete.public is not True, (bindings, concrete.reason)


CONDITIONS = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Env: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  SitePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: site
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::site/*
          - !If
            - IsProd
            - Effect: Deny
              Principal: "*"
              Action: s3:GetObject
              Resource: arn:aws:s3:::site/*
              Condition: {StringNotEquals: {aws:SourceVpce: vpce-1}}
            - !Ref AWS::NoValue
  Logs:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: logs
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: !If [IsProd, arn:aws:s3:::prod-logs/*, arn:aws:s3:::dev-logs/*]
          - Effect: Deny
            Principal: "*"
            Action: s3:GetObject
            Resource: !If [IsProd, arn:aws:s3:::prod-logs/*, arn:aws:s3:::dev-logs/*]
  ProdOnly:
    Type: AWS::S3::BucketPolicy
    Condition: IsProd
    Properties:
      Bucket: third
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: "*", Action: s3:GetObject, Resource: arn:aws:s3:::third/*}
"""


def test_statements_under_a_condition_the_deployment_decides(tmp_path: Path) -> None:
    docs = _documents(tmp_path, CONDITIONS)
    site = public_access(docs["SitePolicy.PolicyDocument"])
    # Public only when the Deny is not there: when the condition is false.
    assert site.public is True and site.witness is not None
    assert site.witness.bindings == {"Condition.IsProd": "false"}
    assert "when Condition.IsProd = false" in site.reason
    # Both branches choose the same condition value: the Deny always covers the Allow.
    logs = public_access(docs["Logs.PolicyDocument"])
    assert logs.public is False, logs.reason
    assert len(docs["Logs.PolicyDocument"].statements) == 4
    third = public_access(docs["ProdOnly.PolicyDocument"])
    assert third.witness is not None and third.witness.bindings == {"Condition.IsProd": "true"}
