"""CloudFormation templates: every policy found, intrinsics resolved, positions in the template."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyreason.inputs import Document, InputType, LoadOptions, load_file
from policyreason.ir.diagnostic import Level
from policyreason.ir.policy import PolicyKind
from policyreason.parse.json_spans import JArray, JObject, JScalar, to_python

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "cloudformation"


def _line_of(path: Path, needle: str, start: int = 1) -> int:
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if number >= start and needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def _by_name(documents: tuple[Document, ...]) -> dict[str, Document]:
    return {d.name: d for d in documents}


def _statement(document: Document, index: int) -> dict[str, object]:
    root = document.parsed.root
    assert isinstance(root, JObject)
    statements = root.get("Statement")
    assert isinstance(statements, JArray)
    value = to_python(statements.items[index])
    assert isinstance(value, dict)
    return value


@pytest.fixture(scope="module")
def yaml_template() -> tuple[Path, dict[str, Document]]:
    path = EXAMPLES / "app-stack.yaml"
    source = load_file(path)
    assert source.input_type is InputType.CLOUDFORMATION
    return path, _by_name(source.documents)


def test_yaml_template_finds_every_policy_with_its_kind(
    yaml_template: tuple[Path, dict[str, Document]],
) -> None:
    _, docs = yaml_template
    kinds = {name: d.kind for name, d in docs.items()}
    assert kinds == {
        "ReportsBucketPolicy.PolicyDocument": PolicyKind.RESOURCE,
        "WorkerRole.AssumeRolePolicyDocument": PolicyKind.TRUST,
        "WorkerRole.Policies[ReadReports]": PolicyKind.IDENTITY,
        "WorkerRole.Policies[AdminEverything]": PolicyKind.IDENTITY,
        "WorkerRole.PermissionsBoundary (WorkerBoundary)": PolicyKind.BOUNDARY,
        "WorkerBoundary.PolicyDocument": PolicyKind.IDENTITY,
        "AuditRole.AssumeRolePolicyDocument": PolicyKind.TRUST,
        "JobsQueuePolicy.PolicyDocument": PolicyKind.RESOURCE,
        "ReportsKey.KeyPolicy": PolicyKind.RESOURCE,
        "InvokeFromAnywhere (Lambda permission)": PolicyKind.RESOURCE,
    }
    assert all(d.parsed.policy is not None for d in docs.values())
    assert docs["WorkerRole.Policies[ReadReports]"].attachment == "role"


def test_yaml_positions_point_into_the_template(
    yaml_template: tuple[Path, dict[str, Document]],
) -> None:
    path, docs = yaml_template
    policy = docs["ReportsBucketPolicy.PolicyDocument"].parsed.policy
    assert policy is not None
    public = policy.statements[0]
    assert public.sid == "PublicRead"
    assert public.span.file.endswith("examples/cloudformation/app-stack.yaml")
    assert public.span.line == _line_of(path, "- Sid: PublicRead")
    assert public.principal is not None
    assert public.principal.span.line == _line_of(path, 'Principal: "*"')


def test_parameters_mappings_and_conditions_resolve(
    yaml_template: tuple[Path, dict[str, Document]],
) -> None:
    _, docs = yaml_template
    bucket = docs["ReportsBucketPolicy.PolicyDocument"]
    # Parameter default (CommaDelimitedList) becomes a list of account ids.
    assert _statement(bucket, 1)["Principal"] == {"AWS": ["111122223333", "444455556666"]}
    # !Sub with a parameter default and a pseudo parameter, a template value.
    assert (
        _statement(bucket, 0)["Resource"] == "arn:aws:s3:::reports-prod-${AWS.AccountId}/public/*"
    )
    # IsProd is decidable from the default: the !If keeps its statement.
    worker = docs["WorkerRole.Policies[ReadReports]"]
    assert _statement(worker, 1)["Action"] == "logs:PutLogEvents"


def test_deployment_values_become_template_values(
    yaml_template: tuple[Path, dict[str, Document]],
) -> None:
    _, docs = yaml_template
    worker = docs["WorkerRole.Policies[ReadReports]"]
    # !GetAtt and ${Resource.Attribute} in !Sub name the same template value.
    assert _statement(worker, 0)["Resource"] == [
        "${ReportsBucket.Arn}",
        "${ReportsBucket.Arn}/*",
    ]
    policy = worker.parsed.policy
    assert policy is not None and not policy.unmodelled
    assert not worker.diagnostics


def test_a_principal_from_the_deployment_is_a_fixed_principal(
    yaml_template: tuple[Path, dict[str, Document]],
) -> None:
    _, docs = yaml_template
    audit = docs["AuditRole.AssumeRolePolicyDocument"]
    assert _statement(audit, 0)["Principal"] == {"AWS": "arn:aws:iam::${AWS.AccountId}:root"}
    policy = audit.parsed.policy
    assert policy is not None
    principal = policy.statements[0].principal
    assert principal is not None and principal.entries[0].account == "${AWS.AccountId}"


def test_configured_parameters_replace_pseudo_parameters() -> None:
    options = LoadOptions(parameters={"AWS::AccountId": "123456789012", "AWS::Partition": "aws"})
    docs = _by_name(load_file(EXAMPLES / "app-stack.yaml", options).documents)
    key = docs["ReportsKey.KeyPolicy"]
    assert _statement(key, 0)["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert not key.diagnostics


def test_lambda_permission_becomes_a_resource_policy(
    yaml_template: tuple[Path, dict[str, Document]],
) -> None:
    _, docs = yaml_template
    permission = _statement(docs["InvokeFromAnywhere (Lambda permission)"], 0)
    assert permission["Principal"] == "*"
    assert permission["Action"] == "lambda:InvokeFunction"
    assert permission["Resource"] == "arn:*:lambda:*:*:function:reports-export"


def test_json_template_with_embedded_string_policy() -> None:
    path = EXAMPLES / "data-pipeline.json"
    source = load_file(path)
    docs = _by_name(source.documents)
    assert set(docs) == {
        "IngestTopicPolicy.PolicyDocument",
        "IngestSecretPolicy.ResourcePolicy",
        "IngestRole.AssumeRolePolicyDocument",
        "IngestRole.Policies[ingest]",
    }
    secret = docs["IngestSecretPolicy.ResourcePolicy"].parsed.policy
    assert secret is not None
    # The policy is a JSON string: positions are mapped to the exact column in the template.
    line = _line_of(path, '"ResourcePolicy": "{')
    text = path.read_text().splitlines()[line - 1]
    effect = secret.statements[0].keys["Effect"]
    assert effect.line == line
    assert text[effect.column - 1 : effect.column + 9] == '\\"Effect\\"'
    ingest = docs["IngestRole.Policies[ingest]"]
    # ${!aws:username} is the literal policy variable; the !If on a condition the deployment
    # decides writes the statement once per branch, each guarded by the condition's value.
    assert _statement(ingest, 0)["Resource"] == "arn:aws:s3:::acme-ingest/${aws:username}/*"
    assert _statement(ingest, 1)["Resource"] == "arn:aws:sns:*:*:ingest-${Stage}"
    assert _statement(ingest, 2)["Resource"] == "${IngestTopic}"
    policy = ingest.parsed.policy
    assert policy is not None
    guards = [[(c.key, c.values[0].text) for c in s.when] for s in policy.statements]
    assert guards == [[], [("Condition.HasStage", "true")], [("Condition.HasStage", "false")], []]


def test_invalid_yaml_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "stack.yaml"
    bad.write_text("Resources:\n  Role:\n    Type: AWS::IAM::Role\n   Properties: [\n")
    source = load_file(bad)
    assert source.input_type is None
    (error,) = source.diagnostics
    assert error.level is Level.ERROR
    assert error.span.line >= 3
    assert "invalid YAML" in error.message


def test_other_yaml_is_skipped(tmp_path: Path) -> None:
    workflow = tmp_path / "ci.yml"
    workflow.write_text("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n")
    source = load_file(workflow)
    assert source.input_type is None
    assert not source.diagnostics
    assert source.notes


def test_short_forms_of_every_tag_do_not_crash(tmp_path: Path) -> None:
    template = tmp_path / "tags.yaml"
    template.write_text(
        """Parameters:
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: !Select [0, !Split [",", "s3:GetObject,s3:PutObject"]]
            Resource:
              - !Join ["", ["arn:aws:s3:::", !Select [1, !Ref Names], "/*"]]
              - !Sub ["arn:aws:s3:::${B}/*", {B: !ImportValue shared-bucket}]
              - !Base64 "x"
              - !GetAZs ""
              - !Cidr [10.0.0.0/16, 2, 8]
              - !FindInMap [Missing, a, b]
              - !Unknown thing
"""
    )
    (doc,) = load_file(template).documents
    root = doc.parsed.root
    assert isinstance(root, JObject)
    # Lists known only at deployment (!GetAZs, !Cidr) and what cannot be read leave the
    # statement out of the policy, which names them as unmodelled.
    assert to_python(root)["Statement"] == []  # type: ignore[index]
    policy = doc.parsed.policy
    assert policy is not None
    assert len(policy.unmodelled) == 4
    assert any("GetAZs" in u for u in policy.unmodelled)
    assert len([d for d in doc.diagnostics if d.code == "cfn-unmodelled"]) == 4


def test_short_forms_resolve_to_values_or_template_values(tmp_path: Path) -> None:
    template = tmp_path / "tags.yaml"
    template.write_text(
        """Parameters:
  Names: {Type: CommaDelimitedList, Default: "a,b"}
Resources:
  P:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: !Select [0, !Split [",", "s3:GetObject,s3:PutObject"]]
            Resource:
              - !Join ["", ["arn:aws:s3:::", !Select [1, !Ref Names], "/*"]]
              - !Sub ["arn:aws:s3:::${B}/*", {B: !ImportValue shared-bucket}]
              - !Sub ["arn:aws:s3:::${B}/*", {B: !Base64 "x"}]
"""
    )
    (doc,) = load_file(template).documents
    resources = _statement(doc, 0)["Resource"]
    assert resources == [
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::${ImportValue.shared-bucket}/*",
        "arn:aws:s3:::eA==/*",
    ]
    assert _statement(doc, 0)["Action"] == "s3:GetObject"
    assert not doc.diagnostics


def test_scalar_values_from_yaml_keep_their_text() -> None:
    from policyreason.inputs.cfn_yaml import parse_yaml

    root = parse_yaml("Version: 2012-10-17\nN: 5\nB: true\nZ: ~\n", "f.yaml")
    assert isinstance(root, JObject)
    assert [to_python(v) for _k, v in root.pairs] == ["2012-10-17", 5, True, None]
    version = root.get("Version")
    assert isinstance(version, JScalar)
    assert (version.span.line, version.span.column) == (1, 10)


def test_iam_policy_users_groups_and_block_string_policies(tmp_path: Path) -> None:
    template = tmp_path / "iam.yaml"
    template.write_text(
        """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Shared:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: shared
      Groups: [!Ref Devs]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Action: "s3:ListAllMyBuckets", Resource: "*"}
  Devs:
    Type: AWS::IAM::Group
    Properties:
      Policies:
        - PolicyName: read
          PolicyDocument: |
            {
              "Version": "2012-10-17",
              "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]
            }
  Bot:
    Type: AWS::IAM::User
    Properties:
      Policies:
        - PolicyName: deny-all
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Deny, Action: "*", Resource: "*"}]
  Guard:
    Type: AWS::Organizations::Policy
    Properties:
      Type: SERVICE_CONTROL_POLICY
      Content:
        Version: "2012-10-17"
        Statement: [{Effect: Deny, Action: "iam:CreateUser", Resource: "*"}]
"""
    )
    docs = _by_name(load_file(template).documents)
    assert {n: (d.kind, d.attachment) for n, d in docs.items()} == {
        "Shared.PolicyDocument": (PolicyKind.IDENTITY, "group"),
        "Devs.Policies[read]": (PolicyKind.IDENTITY, "group"),
        "Bot.Policies[deny-all]": (PolicyKind.IDENTITY, "user"),
        "Guard.Content": (PolicyKind.SCP, "managed"),
    }
    block = docs["Devs.Policies[read]"].parsed.policy
    assert block is not None
    # A JSON string in a `|` block maps line by line into the template.
    statement_line = _line_of(template, '"Statement": [{"Effect"')
    assert block.statements[0].span.line == statement_line
    text = template.read_text().splitlines()[statement_line - 1]
    assert text[block.statements[0].span.column - 1] == "{"


# -- valid templates that used to be refused ------------------------------------------------------

FLOW_STYLE = """{AWSTemplateFormatVersion: "2010-09-09",
 Resources: {SitePolicy: {Type: "AWS::S3::BucketPolicy",
   Properties: {Bucket: !Ref Site, PolicyDocument: {Version: "2012-10-17",
     Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject",
                  Resource: !Sub "arn:aws:s3:::${Site}/*"}]}}},
   Site: {Type: "AWS::S3::Bucket"}}}
"""


@pytest.mark.parametrize("name", ["site.template", "site.json", "site.yaml"])
def test_yaml_flow_style_template_is_read_whatever_its_name(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(FLOW_STYLE)
    source = load_file(path)
    assert source.input_type is InputType.CLOUDFORMATION
    (doc,) = source.documents
    assert doc.parsed.policy is not None
    assert doc.parsed.policy.statements[0].span.line == 4


def test_broken_json_that_is_no_template_keeps_its_json_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{Version: "2012-10-17", Statement: []}')
    (error,) = load_file(path).diagnostics
    assert error.code == "syntax" and (error.span.line, error.span.column) == (1, 2)


FOR_EACH = """AWSTemplateFormatVersion: 2010-09-09
Transform: AWS::LanguageExtensions
Parameters:
  Teams:
    Type: CommaDelimitedList
    Default: red,blue
Resources:
  Fn::ForEach::Buckets:
    - Team
    - !Ref Teams
    - Policy&{Team}:
        Type: AWS::S3::BucketPolicy
        Properties:
          Bucket: !Sub acme-${Team}
          PolicyDocument:
            Version: 2012-10-17
            Statement:
              - Effect: Allow
                Principal: {AWS: !Sub "arn:aws:iam::111122223333:role/${Team}"}
                Action: s3:GetObject
                Resource: !Sub arn:aws:s3:::acme-${Team}/*
  Fn::ForEach::Roles:
    - Name
    - [a-b, c]
    - Role${Name}:
        Type: AWS::IAM::Role
        Properties:
          AssumeRolePolicyDocument:
            Statement:
              - Effect: Allow
                Principal: {Service: !Ref Name}
                Action: sts:AssumeRole
"""


def test_for_each_loops_are_expanded(tmp_path: Path) -> None:
    path = tmp_path / "loops.yaml"
    path.write_text(FOR_EACH)
    source = load_file(path)
    assert [d for d in source.all_diagnostics if d.level is Level.ERROR] == []
    docs = _by_name(source.documents)
    assert sorted(docs) == [
        "Policyblue.PolicyDocument",
        "Policyred.PolicyDocument",
        "Rolea-b.AssumeRolePolicyDocument",
        "Rolec.AssumeRolePolicyDocument",
    ]
    assert _statement(docs["Policyred.PolicyDocument"], 0)["Resource"] == "arn:aws:s3:::acme-red/*"
    assert _statement(docs["Policyblue.PolicyDocument"], 0)["Principal"] == {
        "AWS": "arn:aws:iam::111122223333:role/blue"
    }
    assert _statement(docs["Rolec.AssumeRolePolicyDocument"], 0)["Principal"] == {"Service": "c"}


def test_a_loop_over_deployment_values_is_analysed_once_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "loops.yaml"
    path.write_text(FOR_EACH.replace("    - !Ref Teams", "    - !GetAtt Org.Teams"))
    source = load_file(path)
    names = sorted(d.name for d in source.documents)
    assert names[0] == "Policy&{Team}.PolicyDocument"
    warnings = [d for d in source.all_diagnostics if d.code == "cfn-unresolved"]
    assert any("ForEach::Buckets" in d.message for d in warnings)


TRANSFORMS = """AWSTemplateFormatVersion: 2010-09-09
Resources:
  Included:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: acme-site
      PolicyDocument:
        Fn::Transform:
          Name: AWS::Include
          Parameters: {Location: s3://acme-snippets/policy.yaml}
  Mixed:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: acme-site
      PolicyDocument:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Principal: "*"
            Action: s3:GetObject
            Resource: arn:aws:s3:::acme-site/*
          - Fn::Transform:
              Name: AWS::Include
              Parameters: {Location: s3://acme-snippets/statement.yaml}
  Beside:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
          - Fn::Transform: {Name: Stamp}
            Effect: Allow
            Principal: {Service: ec2.amazonaws.com}
            Action: sts:AssumeRole
"""


def test_fn_transform_inside_a_property_is_a_warning_and_leaves_the_policy_unmodelled(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(TRANSFORMS)
    source = load_file(path)
    assert [d for d in source.all_diagnostics if d.level is Level.ERROR] == []
    docs = _by_name(source.documents)
    assert sorted(docs) == [
        "Beside.AssumeRolePolicyDocument",
        "Included.PolicyDocument",
        "Mixed.PolicyDocument",
    ]
    included = docs["Included.PolicyDocument"].parsed.policy
    mixed = docs["Mixed.PolicyDocument"].parsed.policy
    beside = docs["Beside.AssumeRolePolicyDocument"].parsed.policy
    assert included is not None and included.statements == ()
    assert mixed is not None and len(mixed.statements) == 1
    assert beside is not None and len(beside.statements) == 2
    # What the macros write is not read: no answer about these policies is proven.
    assert "AWS::Include" in included.unmodelled[0]
    assert "AWS::Include" in mixed.unmodelled[0]
    assert "Stamp" in beside.unmodelled[0]
    warnings = [d for d in source.all_diagnostics if d.code == "cfn-transform"]
    assert [d.span.line for d in warnings] == [8, 22, 34]
    assert "AWS::Include" in warnings[0].message


EMPTY_DEFAULTS = """AWSTemplateFormatVersion: 2010-09-09
Parameters:
  TrustedAccount: {Type: String, Default: ''}
  KeyArn: {Type: String, Default: ""}
  Suffix: {Type: String, Default: ''}
Conditions:
  HasTrusted: !Not [!Equals [!Ref TrustedAccount, '']]
Resources:
  CrossAccount:
    Type: AWS::IAM::Role
    Condition: HasTrusted
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: !Ref TrustedAccount}, Action: sts:AssumeRole}
  Decrypt:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: 2012-10-17
        Statement:
          - Effect: Allow
            Action: kms:Decrypt
            Resource: [!Ref KeyArn, !Sub "arn:aws:kms:us-east-1:111122223333:key/k${Suffix}"]
            Condition: {StringEquals: {kms:ViaService: !Ref Suffix}}
"""


def test_parameters_whose_default_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(EMPTY_DEFAULTS)
    source = load_file(path)
    assert [d for d in source.all_diagnostics if d.level is Level.ERROR] == []
    # The role is not created under the defaults: its condition tests for ''.
    (doc,) = source.documents
    assert doc.name == "Decrypt.PolicyDocument"
    codes = sorted(d.code for d in source.all_diagnostics)
    assert codes == ["cfn-not-created"]
    statement = _statement(doc, 0)
    # '' is no resource: a deployment gives the key (a template value named after the
    # parameter); in !Sub and in a condition it is ''.
    assert statement["Resource"] == ["${KeyArn}", "arn:aws:kms:us-east-1:111122223333:key/k"]
    assert statement["Condition"] == {"StringEquals": {"kms:ViaService": ""}}


def test_a_resource_is_read_when_its_condition_holds_or_is_undecided(tmp_path: Path) -> None:
    path = tmp_path / "cond.yaml"
    given = EMPTY_DEFAULTS.replace(
        "TrustedAccount: {Type: String, Default: ''}", "TrustedAccount: {Type: String}"
    )
    path.write_text(given)
    assert "CrossAccount.AssumeRolePolicyDocument" in _by_name(load_file(path).documents)
    options = LoadOptions(parameters={"TrustedAccount": "111122223333"})
    path.write_text(EMPTY_DEFAULTS)
    docs = _by_name(load_file(path, options).documents)
    trust = docs["CrossAccount.AssumeRolePolicyDocument"].parsed.policy
    assert trust is not None and trust.statements[0].principal is not None
    assert [e.value for e in trust.statements[0].principal.entries] == ["111122223333"]
