"""User text reaches the terminal as written: `file.json:100:5` is never an emoji."""

import re
from pathlib import Path

import pytest

from policyreason.cli import main

PACKAGE = Path(__file__).parents[1] / "policyreason"


def test_every_console_is_made_in_one_place() -> None:
    makers = {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\bConsole\(", path.read_text())
    }
    assert makers == {"report/console.py"}


def test_a_location_on_line_100_column_5_is_printed_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A short relative path, so that a narrow console does not wrap the location.
    monkeypatch.chdir(tmp_path)
    policy = Path("p.json")
    statement = '    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}'
    policy.write_text(
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n' + "\n" * 96 + statement + "\n  ]\n}\n"
    )
    args = ["can", str(policy), "--action", "s3:GetObject", "--resource", "arn:aws:s3:::b/k"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "p.json:100:5" in out and "\N{HUNDRED POINTS SYMBOL}" not in out


def test_network_hops_print_their_locations_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    net = Path("n.net")
    head = (
        "vpc v 10.0.0.0/16 {\n  igw g\n  subnet s 10.0.0.0/24\n"
        "  route-table r { associate s\n route 0.0.0.0/0 -> g }\n  sg web {\n"
    )
    tail = "    in tcp 22 from 0.0.0.0/0 }\n  instance i-1 in s ip 10.0.0.5 public 5.0.0.1 sg web }"
    net.write_text(head + "\n" * 93 + tail)
    assert main(["reach", str(net), "--exposures"]) == 1
    out = capsys.readouterr().out
    assert "n.net:100:5" in out and "\N{HUNDRED POINTS SYMBOL}" not in out
