"""The pre-commit hook: the manifest is valid, and a commit with a risky policy is refused.

The hook runs as a local `language: system` hook with the manifest's own entry and file types,
using the installed `policyreason`: the same command pre-commit would install from the
manifest, without needing network access to build the hook's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")
CLEAN = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::acme-reports/*"}
    ],
}
PUBLIC_BUCKET = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::acme-site/*",
        }
    ],
}


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PRE_COMMIT_HOME=str(cwd.parent / "pre-commit-home"))
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
    )
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def test_manifest_is_valid() -> None:
    assert PRE_COMMIT is not None, "pre-commit is a test dependency"
    result = _run([PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")], ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["policyreason"]
    assert hook["entry"] == "policyreason check --no-policy=skip"
    assert hook["language"] == "python"
    assert hook["types_or"] == ["json", "yaml"]


@pytest.mark.slow
def test_hook_passes_clean_policy_and_blocks_public_bucket(tmp_path: Path) -> None:
    assert PRE_COMMIT is not None
    repo = tmp_path / "repo"
    repo.mkdir()
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    hook = hooks["policyreason"]
    config = {
        "repos": [
            {
                "repo": "local",
                "hooks": [
                    {
                        "id": hook["id"],
                        "name": hook["name"],
                        "entry": hook["entry"],
                        "language": "system",
                        "types_or": hook["types_or"],
                    }
                ],
            }
        ]
    }
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    # Keep the hook independent of any configuration above the temporary folder.
    (repo / ".policyreason.toml").write_text("")
    assert _run(["git", "init", "-q"], repo).returncode == 0
    (repo / "reports-read.json").write_text(json.dumps(CLEAN, indent=2))
    _run(["git", "add", "."], repo)
    clean = _run([PRE_COMMIT, "run", "--all-files"], repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert _run(["git", "commit", "-q", "-m", "clean"], repo).returncode == 0

    (repo / "site-bucket.json").write_text(json.dumps(PUBLIC_BUCKET, indent=2))
    _run(["git", "add", "site-bucket.json"], repo)
    risky = _run([PRE_COMMIT, "run"], repo)
    assert risky.returncode == 1, risky.stdout + risky.stderr
    assert "site-bucket.json" in risky.stdout
    assert "SECURITY_WARNING" in risky.stdout
