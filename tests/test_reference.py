"""The packaged service authorization reference and its lookup API."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyreason.data import reference as ref
from policyreason.data.global_keys import GLOBAL_KEYS


def test_s3_get_object_is_a_read_action_on_objects() -> None:
    found = ref.action("s3:GetObject")
    assert found is not None
    assert found.full_name == "s3:GetObject"
    assert found.access_level == "Read"
    assert {rt.name for rt in found.resource_types} == {"object", "accesspointobject"}
    assert "s3:ExistingObjectTag/<key>" in found.condition_keys
    assert ref.access_level("s3:GetObject") == "Read"


def test_action_lookup_ignores_case() -> None:
    assert ref.action("S3:getobject") == ref.action("s3:GetObject")
    assert ref.service("S3") is ref.service("s3")


def test_pass_role_needs_a_role_resource() -> None:
    found = ref.action("iam:PassRole")
    assert found is not None
    assert found.access_level == "Write"
    assert [(rt.name, rt.required) for rt in found.resource_types] == [("role", True)]
    assert "iam:PassedToService" in found.condition_keys
    (role,) = ref.resource_types_for("iam:PassRole")
    assert role.arn_formats == ("arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",)


def test_resource_type_arn_formats() -> None:
    assert ref.arn_formats("s3", "bucket") == ("arn:${Partition}:s3:::${BucketName}",)
    assert ref.arn_formats("s3", "object") == ("arn:${Partition}:s3:::${BucketName}/${ObjectName}",)
    assert ref.arn_formats("s3", "no-such-type") == ()


def test_every_arn_format_is_each_services_formats_in_prefix_order() -> None:
    by_service = [
        arn_format
        for prefix in ref.service_prefixes()
        for rtype in (ref.service(prefix) or pytest.fail(prefix)).resource_types.values()
        for arn_format in rtype.arn_formats
    ]
    assert ref.every_arn_format() == tuple(by_service)
    # One string in the reference, two formats.
    assert "arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/authorizers" in (
        ref.every_arn_format()
    )


def test_tagging_and_permission_levels_keep_their_primary_level() -> None:
    assert ref.access_level("iam:AttachRolePolicy") == "Permissions management"
    tag = ref.action("s3:PutObjectTagging")
    assert tag is not None
    assert tag.access_levels[0] == "Tagging"
    assert all(a.access_levels[0] in ref.ACCESS_LEVELS for a in ref.actions_matching("*"))


def test_actions_with_no_resource_types_take_only_star() -> None:
    assert ref.resource_types_for("s3:ListAllMyBuckets") == ()


@pytest.mark.parametrize(
    ("pattern", "count"),
    [
        ("s3:GetObject", 1),
        ("s3:getobject", 1),
        ("s3:Get*", 63),
        ("s3:GetObject*", 16),
        ("s3:*", 180),
        ("iam:PassRol?", 1),
        ("s3:NoSuchThing*", 0),
        ("nosuchservice:*", 0),
        ("GetObject", 0),
    ],
)
def test_wildcard_expansion(pattern: str, count: int) -> None:
    assert len(ref.actions_matching(pattern)) == count


_S3_NAMES = sorted(a.name for a in ref.actions_matching("s3:*"))


@st.composite
def _name_patterns(draw: st.DrawFn) -> str:
    """The name part of an action pattern made from a real S3 action: cut short and ended
    with `*`, a letter turned into `?` or `*`, its case changed."""
    name = draw(st.sampled_from(_S3_NAMES))
    cut = draw(st.integers(0, len(name)))
    form = draw(st.sampled_from(["name", "prefix", "inner", "suffix"]))
    if form == "prefix":
        name = name[:cut] + "*"
    elif form == "inner" and name:
        name = name[:cut] + draw(st.sampled_from("*?")) + name[cut + 1 :]
    elif form == "suffix":
        name = "*" + name[cut:]
    return draw(st.sampled_from([name, name.lower(), name.upper()]))


@given(_name_patterns())
def test_action_patterns_match_as_globs_of_any_case(name: str) -> None:
    found = {a.name for a in ref.actions_matching("s3:" + name)}
    assert found == {n for n in _S3_NAMES if fnmatchcase(n.lower(), name.lower())}


def test_a_key_is_found_in_its_own_service_as_in_every_services_table() -> None:
    """A key is looked up in the service its prefix names before every service's keys are
    read; the answer is the one the table of all keys gives, for every key the reference
    names and every templated key filled in."""
    import re

    names: set[str] = set()
    for prefix in ref.service_prefixes():
        svc = ref.service(prefix)
        assert svc is not None
        for key in svc.keys.exact.values():
            names.add(key.name)
            names.add(re.sub(r"\$\{[^}]*\}", "Name", key.name))
    assert len(names) > 1_500
    every = ref._all_keys()
    for name in sorted(names):
        assert ref.condition_key(name) is (ref.global_key(name) or every.get(name)), name


def test_star_matches_every_action() -> None:
    every = ref.actions_matching("*")
    assert len(every) == sum(
        len(s.actions) for p in ref.service_prefixes() if (s := ref.service(p))
    )
    assert len(every) > 20_000


def test_unknown_names_return_none() -> None:
    assert ref.service("nosuchservice") is None
    assert ref.action("nosuchservice:GetThing") is None
    assert ref.action("s3:NoSuchAction") is None
    assert ref.action("s3") is None
    assert ref.access_level("s3:NoSuchAction") is None
    assert ref.resource_types_for("s3:NoSuchAction") == ()
    assert ref.condition_key("s3:NoSuchKey") is None
    assert ref.condition_key("aws:NoSuchKey") is None


@pytest.mark.parametrize(
    ("key", "kind", "multivalued"),
    [
        ("aws:SourceIp", "IPAddress", False),
        ("aws:sourceip", "IPAddress", False),
        ("aws:CurrentTime", "Date", False),
        ("aws:MultiFactorAuthAge", "Numeric", False),
        ("aws:SecureTransport", "Bool", False),
        ("aws:PrincipalArn", "ARN", False),
        ("aws:CalledVia", "ArrayOfString", True),
        ("aws:PrincipalServiceNamesList", "ArrayOfString", True),
        ("aws:TagKeys", "ArrayOfString", True),
        ("aws:PrincipalTag/team", "String", False),
        ("aws:RequestTag/cost-center", "String", False),
        ("s3:ExistingObjectTag/classification", "String", False),
        ("s3:max-keys", "Numeric", False),
        ("s3:prefix", "String", False),
        ("iam:PassedToService", "String", False),
        ("ec2:SourceInstanceARN", "ARN", False),
        ("saml:aud", "String", False),
        ("accounts.google.com:aud", "String", False),
    ],
)
def test_condition_key_types(key: str, kind: str, multivalued: bool) -> None:
    info = ref.condition_key(key)
    assert info is not None
    assert info.type == kind
    assert info.multivalued is multivalued
    assert ref.is_multivalued(key) is multivalued


def test_templated_keys_resolve_to_their_template() -> None:
    tag = ref.condition_key("aws:RequestTag/team")
    assert tag is not None and tag.name == "aws:RequestTag/${TagKey}" and tag.templated
    obj = ref.condition_key("s3:ExistingObjectTag/env")
    assert obj is not None and obj.name == "s3:ExistingObjectTag/<key>"
    # The author-chosen part must not be empty.
    assert ref.condition_key("aws:RequestTag/") is None


def test_service_keys_are_scoped_to_their_service() -> None:
    s3 = ref.service("s3")
    assert s3 is not None
    assert s3.condition_key("s3:prefix") is not None
    assert s3.condition_key("iam:PassedToService") is None


def test_every_global_key_resolves_as_global() -> None:
    for name, kind in GLOBAL_KEYS.items():
        concrete = name.replace("${TagKey}", "team")
        info = ref.global_key(concrete)
        assert info is not None and info.type == kind, name
    epoch = ref.condition_key("aws:EpochTime")
    assert epoch is not None and epoch.also_numeric


def test_deprecations_name_their_replacement() -> None:
    old = ref.action("es:CreateElasticsearchDomain")
    assert old is not None and old.deprecated and old.replacement == "CreateDomain"
    current = ref.action("es:CreateDomain")
    assert current is not None and not current.deprecated
    # "Grants permission to deprecate ..." is an action about deprecation, not a deprecated one.
    swf = ref.action("swf:DeprecateDomain")
    assert swf is not None and not swf.deprecated
    key = ref.condition_key("kms:CustomerMasterKeySpec")
    assert key is not None and key.replacement == "kms:KeySpec"


def test_non_service_key_prefixes_map_to_their_service() -> None:
    assert ref.key_prefix_services("saml") == ("sts",)
    assert ref.key_prefix_services("token.actions.githubusercontent.com/org") == ("sts",)
    assert ref.key_prefix_services("s3") == ()
    assert "s3" in ref.rcp_services()
