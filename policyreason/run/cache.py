"""Result cache for `check`: one embedded SQLite file of per-file results.

The key is a hash of everything the result depends on: the file's bytes, its path (as shown and
absolute), how it is read (input type, kind, parameters, size limit), the configuration that
changes findings (everything but the gate's own settings: fail-on, unknown, suppressions and
baseline are applied after the cache), the check catalogue, the tool's version, the installed
cvc5's files and the package's own files (so an edited check never meets an old answer).

Results with an unknown finding, a crash or a time-out are never stored: a retry, perhaps on
an idle machine, may decide them. Several processes may share the file (WAL journal, busy
timeout, one transaction per batch of writes); a damaged file is detected, deleted and built
again; a cache that cannot be used at all is skipped with one warning.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING

from policyreason import __version__

if TYPE_CHECKING:
    from policyreason.checks import CheckInfo
    from policyreason.run.options import RunOptions

ENV_DIR = "POLICYREASON_CACHE_DIR"
FILE_NAME = "results-v1.sqlite3"
BUSY_TIMEOUT_MS = 10_000
# Entries are dropped this long after they were written, so keys that can no longer occur
# (edited files, older versions) do not pile up; a live entry is simply computed again.
MAX_AGE_S = 30 * 24 * 3600
# Settings the gate applies after the per-file work: they never change a cached result.
_GATE_ONLY = {"fail_on", "unknown", "suppressions", "baseline", "source", "no_policy"}

Warn = Callable[[str], None]


def default_cache_dir() -> Path:
    """`$POLICYREASON_CACHE_DIR`, else `$XDG_CACHE_HOME/policyreason`, else
    `~/.cache/policyreason`."""
    own = os.environ.get(ENV_DIR)
    if own:
        return Path(own)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "policyreason"


def _stderr_warning(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


class ResultCache:
    """Serialized results by key. Every failure of the database turns the cache off (one
    warning) instead of failing the run."""

    def __init__(self, directory: Path, warn: Warn = _stderr_warning) -> None:
        self.path = directory / FILE_NAME
        self._warn = warn
        self._db: sqlite3.Connection | None = None
        self._base: str | None = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            self._db = _connect(self.path)
        except sqlite3.OperationalError as exc:
            # Locked or unwritable is not damage: leave the file to its other users.
            self._disable(exc)
        except sqlite3.DatabaseError:
            self._rebuild()
        except OSError as exc:
            self._disable(exc)

    @property
    def enabled(self) -> bool:
        """False once the cache has been turned off for this run."""
        return self._db is not None

    def file_key(self, path: Path, options: RunOptions) -> str | None:
        """The key of `check`'s result for one file; None when the file cannot be read (its
        error is not worth caching) or the cache is off."""
        if self._db is None:
            return None
        try:
            info = path.stat()
            if info.st_size > options.load.max_bytes:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        if self._base is None:
            # The question is 170 KB (every rule's documentation): hashed once, not per file.
            self._base = hashlib.sha256(_question(options).encode()).hexdigest()
        from policyreason.inputs import display_path

        digest = hashlib.sha256()
        for part in (self._base, display_path(path), str(path.absolute())):
            digest.update(part.encode())
            digest.update(b"\x00")
        digest.update(data)
        return digest.hexdigest()

    def get(self, key: str) -> str | None:
        """The stored value, or None (also for a value whose checksum does not match)."""
        if self._db is None:
            return None
        try:
            row = self._db.execute(
                "SELECT value, digest FROM results WHERE key = ?", (key,)
            ).fetchone()
        except sqlite3.Error as exc:
            self._disable(exc)
            return None
        if row is None:
            return None
        value, digest = str(row[0]), str(row[1])
        return value if _digest(value) == digest else None

    def put_many(self, items: Sequence[tuple[str, str]]) -> None:
        """Store (key, value) pairs in one transaction, dropping entries past MAX_AGE_S."""
        if self._db is None or not items:
            return
        now = time.time()
        try:
            with self._db:
                self._db.execute("DELETE FROM results WHERE created < ?", (now - MAX_AGE_S,))
                self._db.executemany(
                    "INSERT OR REPLACE INTO results (key, value, digest, created) "
                    "VALUES (?, ?, ?, ?)",
                    [(key, value, _digest(value), now) for key, value in items],
                )
        except sqlite3.Error as exc:
            self._disable(exc)

    def close(self) -> None:
        """Close the database; the cache is off afterwards."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def _rebuild(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            try:
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            except OSError as exc:
                self._disable(exc)
                return
        try:
            self._db = _connect(self.path)
        except (sqlite3.Error, OSError) as exc:
            self._disable(exc)
            return
        self._warn(f"the result cache {self.path} was damaged; it was rebuilt")

    def _disable(self, exc: BaseException) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        self._warn(f"result cache {self.path} not used: {exc}")


def open_cache(directory: Path, warn: Warn = _stderr_warning) -> ResultCache:
    """The cache in `directory` (created when missing)."""
    return ResultCache(directory, warn)


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        check = db.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise sqlite3.DatabaseError(f"integrity check failed: {check}")
        db.execute(
            "CREATE TABLE IF NOT EXISTS results ("
            "key TEXT PRIMARY KEY, value TEXT NOT NULL, digest TEXT NOT NULL, created REAL)"
        )
    except BaseException:
        db.close()
        raise
    # Python's sqlite3 opens transactions itself unless told otherwise; `with db:` needs it.
    db.isolation_level = "DEFERRED"
    return db


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _question(options: RunOptions) -> str:
    """Everything but the file that the answer depends on, as canonical JSON."""
    from policyreason.checks import all_checks

    load = options.load
    question = {
        "tool": __version__,
        "code": _code_fingerprint(),
        "cvc5": _solver_files(),
        "checks": [_rule(c) for c in all_checks()],
        "input_type": load.input_type.value if load.input_type else None,
        "kind": load.kind.value if load.kind else None,
        "parameters": sorted(load.parameters.items()),
        "max_bytes": load.max_bytes,
        "config": options.config.model_dump(mode="json", exclude=_GATE_ONLY),
    }
    return json.dumps(question, sort_keys=True, separators=(",", ":"))


def _rule(info: CheckInfo) -> list[object]:
    """What the cache key keeps of a registered rule: everything its findings are built from."""
    kinds = sorted(k.value for k in info.kinds) if info.kinds is not None else None
    return [
        info.id,
        info.severity.value,
        info.title,
        info.fix,
        kinds,
        info.doc,
        info.aa_code,
        info.evidence.value,
        list(info.diagnostics),
    ]


@cache
def _code_fingerprint() -> str:
    # Sizes and modification times of the package's files: an edited check (a development
    # install) changes the key even though the version number does not.
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    # A source checkout keeps the grammars beside the package, a wheel inside it.
    for folder in (root, root.parent / "grammars"):
        for file in sorted(folder.rglob("*")):
            if file.suffix in (".py", ".gz", ".json", ".lark") and "__pycache__" not in file.parts:
                info = file.stat()
                digest.update(f"{file.name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _solver_files() -> str:
    # Which cvc5 is installed, from its package's file sizes and times as for our own code:
    # reading its version from the distribution's metadata costs more than the rest of the key.
    spec = find_spec("cvc5")
    if spec is None or not spec.submodule_search_locations:
        return "none"
    # Files only: __pycache__ changes when the package is first imported.
    with os.scandir(next(iter(spec.submodule_search_locations))) as entries:
        files = sorted((e.name, e.stat()) for e in entries if e.is_file())
    return ",".join(f"{name}:{info.st_size}:{info.st_mtime_ns}" for name, info in files)
