"""Raw policy files, format detection, folder walking, and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

from policyreason.inputs import InputType, LoadOptions, discover, load_documents, load_file
from policyreason.ir.diagnostic import Level
from policyreason.ir.policy import PolicyKind

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/*",
        }
    ],
}


def _write(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, indent=2))
    return path


def _error(path: Path) -> tuple[int, int, str]:
    source = load_file(path)
    errors = [d for d in source.all_diagnostics if d.level is Level.ERROR]
    assert errors, source
    return errors[0].span.line, errors[0].span.column, errors[0].message


def test_policy_kind_is_detected_or_given(tmp_path: Path) -> None:
    path = _write(tmp_path / "bucket.json", POLICY)
    (doc,) = load_file(path).documents
    assert doc.kind is PolicyKind.RESOURCE
    assert doc.name == "bucket"
    identity = dict(POLICY, Statement=[{"Effect": "Allow", "Action": "*", "Resource": "*"}])
    scp = _write(tmp_path / "scp.json", identity)
    (doc,) = load_file(scp, LoadOptions(kind=PolicyKind.SCP)).documents
    assert doc.kind is PolicyKind.SCP


def test_cli_wrappers_are_unwrapped(tmp_path: Path) -> None:
    version = _write(
        tmp_path / "v.json", {"PolicyVersion": {"Document": POLICY, "VersionId": "v1"}}
    )
    bucket = _write(tmp_path / "b.json", {"Policy": json.dumps(POLICY)})
    assert [d.parsed.policy is not None for d in load_documents(version)] == [True]
    (doc,) = load_documents(bucket)
    assert doc.parsed.policy is not None
    assert doc.parsed.policy.statements[0].span.line == 2


def test_folder_walk_skips_hidden_and_unrelated_files(tmp_path: Path) -> None:
    _write(tmp_path / "a.json", POLICY)
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub" / "b.json", POLICY)
    (tmp_path / ".git").mkdir()
    _write(tmp_path / ".git" / "c.json", POLICY)
    _write(tmp_path / "package.json", {"name": "x", "version": "1.0.0"})
    (tmp_path / "notes.txt").write_text("not read")
    files, missing = discover([str(tmp_path)])
    assert sorted(p.name for p in files) == ["a.json", "b.json", "package.json"]
    assert not missing
    assert len(load_documents(tmp_path)) == 2
    unrelated = load_file(tmp_path / "package.json")
    assert unrelated.input_type is None and not unrelated.diagnostics


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    _files, missing = discover([str(tmp_path / "nope.json")])
    (entry,) = missing
    assert entry.diagnostics[0].message == "no such file or folder"


def test_describe_output_is_recognised_as_network(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "vpcs.json", {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]}
    )
    source = load_file(path)
    assert source.input_type is InputType.AWS_DESCRIBE
    assert not source.documents
    assert any("policyreason reach" in n for n in source.notes)


def test_forced_input_type_that_does_not_match(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.json", POLICY)
    source = load_file(path, LoadOptions(input_type=InputType.TERRAFORM_PLAN))
    assert "not a Terraform plan" in source.diagnostics[0].message


def test_truncated_json(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps(POLICY, indent=2).rsplit("]", 1)[0])
    line, _col, message = _error(path)
    assert line >= 8
    assert "truncated" in message


def test_wrong_types_are_located(tmp_path: Path) -> None:
    path = tmp_path / "w.json"
    path.write_text('{\n  "Version": "2012-10-17",\n  "Statement": 5\n}\n')
    line, col, _message = _error(path)
    assert (line, col) == (3, 16)


def test_large_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"Statement": [' + ",".join(["{}"] * (5 * 1024 * 1024)) + "]}")
    assert path.stat().st_size > 10 * 1024 * 1024
    line, col, message = _error(path)
    assert (line, col) == (1, 1)
    assert "limit" in message


def test_binary_junk(tmp_path: Path) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(bytes(range(256)) * 4)
    _line, _col, message = _error(path)
    assert "binary" in message


def test_invalid_utf8_is_located(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{\n  "Sid": "caf\xe9"\n}\n')
    line, col, message = _error(path)
    assert (line, col) == (2, 14)
    assert "UTF-8" in message


def test_broken_symlink_in_a_folder(tmp_path: Path) -> None:
    (tmp_path / "gone.json").symlink_to(tmp_path / "missing-target.json")
    files, _missing = discover([str(tmp_path)])
    (source,) = [load_file(f) for f in files]
    assert "cannot read" in source.diagnostics[0].message


def test_fifo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    # Opening a FIFO for reading would block forever; it must be refused before that.
    _line, _col, message = _error(fifo)
    assert "not a regular file" in message


def test_unreadable_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "secret.json", POLICY)
    path.chmod(0)
    if os.access(path, os.R_OK):
        # Running as root, where mode 000 does not stop reading: a dangling link cannot be
        # read by anyone.
        path.unlink()
        path.symlink_to(tmp_path / "nowhere")
    _line, _col, message = _error(path)
    assert "cannot read" in message
