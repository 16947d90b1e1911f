"""The data generator reads AWS's published service reference format as well as iam-data, and
records the reference's date that reports show."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_service_data", ROOT / "scripts/gen_service_data.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_service_data"] = module
    spec.loader.exec_module(module)
    return module


S3 = {
    "Name": "s3",
    "Actions": [
        {
            "Name": "GetObject",
            "ActionConditionKeys": ["s3:ExistingObjectTag/${TagKey}"],
            "Annotations": {"Properties": {"IsList": False, "IsWrite": False}},
            "Resources": [{"Name": "object"}],
        },
        {
            "Name": "PutBucketPolicy",
            "Annotations": {"Properties": {"IsPermissionManagement": True, "IsWrite": True}},
            "Resources": [{"Name": "bucket"}],
        },
        {"Name": "ListAllMyBuckets", "Annotations": {"Properties": {"IsList": True}}},
    ],
    "ConditionKeys": [{"Name": "s3:ExistingObjectTag/${TagKey}", "Types": ["String"]}],
    "Resources": [
        {"Name": "bucket", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}"]},
        {"Name": "object", "ARNFormats": ["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]},
    ],
    "Version": "v1.4",
}


def test_aws_format_becomes_the_packaged_layout(tmp_path: Path) -> None:
    gen = _script()
    src = tmp_path / "aws"
    src.mkdir()
    index = [{"service": "s3", "url": "https://example/s3.json", "modified": 1767225600000}]
    (src / "index.json").write_text(json.dumps(index))
    (src / "s3.json").write_text(json.dumps(S3))
    previous = {"services": {"s3": {"name": "Amazon S3"}}, "rcp_services": ["s3"]}
    doc = gen.build_aws(src, previous)
    assert doc["date"] == "2026-01-01"
    assert doc["rcp_services"] == ["s3"]
    s3 = doc["services"]["s3"]
    assert s3["name"] == "Amazon S3"
    assert s3["actions"]["GetObject"][0] == "Read"
    assert s3["actions"]["PutBucketPolicy"][0] == "Permissions management"
    assert s3["actions"]["ListAllMyBuckets"][0] == "List"
    assert s3["actions"]["GetObject"][1] == [["object", 1, [], []]]
    assert s3["resources"]["object"][0] == "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert s3["keys"] == {"s3:ExistingObjectTag/${TagKey}": "String"}
    out = tmp_path / "out"
    out.mkdir()
    written = gen.write(doc, out)
    with zipfile.ZipFile(written) as archive:
        assert json.loads(archive.read("index.json"))["source"].startswith("AWS")
        assert "GetObject" in json.loads(archive.read("actions/s3.json"))


def test_date_given_wins(tmp_path: Path) -> None:
    gen = _script()
    (tmp_path / "s3.json").write_text(json.dumps(S3))
    assert gen.build_aws(tmp_path, {}, "2025-05-01")["date"] == "2025-05-01"


def test_packaged_reference_states_its_source_and_date() -> None:
    from policyreason.data.reference import reference_info

    info = reference_info()
    assert info.source and len(info.date) == 10 and info.date[4] == "-"


def test_packaged_typing_table_is_the_reference_s() -> None:
    """The shipped typing table (what requests of each action look like) is derived afresh from
    the shipped services and actions: regenerating the data cannot leave it stale."""
    from policyreason.data import reference
    from policyreason.data.requests import typing_table_document

    archive = zipfile.ZipFile(ROOT / "policyreason/data/service_reference.zip")
    index = json.loads(archive.read("index.json"))
    services = {
        prefix: {**entry, "actions": json.loads(archive.read(f"actions/{prefix}.json"))}
        for prefix, entry in index["services"].items()
    }
    assert typing_table_document({"services": services}) == reference.typing_table_raw()
