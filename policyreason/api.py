"""The library API: the questions the command line asks, as functions a Python program calls.

Each returns the result type the verbs report from, with the answer contract intact: an
`Answer` is witnessed (with requests or packets the concrete evaluator re-checked), proven, or
unknown with a reason, never a silent "no". Policies and networks may be given as IR values or
as file paths; a file that cannot be used raises a located `InputError`. docs/api.md has
examples.

Importing this module is cheap: each function loads the layers it needs when it is called, and
cvc5 only when a question needs the solver.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policyreason.errors import InputError, Undecidable

if TYPE_CHECKING:
    from policyreason.analysis.compare import CompareResult
    from policyreason.analysis.evaluate import Evaluation
    from policyreason.analysis.network.exposures import ExposureResult
    from policyreason.analysis.network.reach import ReachResult
    from policyreason.analysis.public import PublicResult
    from policyreason.ir.network import Network
    from policyreason.ir.policy import Policy, PolicySet
    from policyreason.ir.request import Request
    from policyreason.report import Report
    from policyreason.run.options import RunOptions
    from policyreason.run.schedule import Execution

__all__ = [
    "InputError",
    "Undecidable",
    "can",
    "check",
    "compare",
    "exposures",
    "is_public",
    "reach",
    "read_network",
    "read_policy",
]


def read_policy(path: str | Path, kind: str | None = None) -> Policy:
    """The one policy in a file: policy JSON, an AWS CLI output wrapping one, or a template or
    plan holding exactly one. `kind` (identity, resource, trust, scp, ...) overrides detection.
    Raises InputError, located, when the file cannot be read, has an error, or does not hold
    exactly one policy."""
    from policyreason.inputs import LoadOptions, discover, load_file
    from policyreason.ir.diagnostic import Level
    from policyreason.ir.policy import PolicyKind
    from policyreason.ir.span import Span

    text = str(path)
    start = Span(file=text, line=1, column=1, end_line=1, end_column=1)
    files, missing = discover([text])
    if missing:
        first = missing[0].diagnostics[0]
        raise InputError(first.code, first.message, first.span)
    if Path(path).is_dir():
        raise InputError("not-a-file", "a folder; give one policy file", start)
    source = load_file(files[0], LoadOptions(kind=PolicyKind(kind) if kind else None))
    for diagnostic in source.all_diagnostics:
        if diagnostic.level is Level.ERROR:
            raise InputError(diagnostic.code, diagnostic.message, diagnostic.span)
    if len(source.documents) != 1:
        count = len(source.documents)
        what = f"{count} policies in this file" if count else "no policy in this file"
        raise InputError("no-policy", f"{what}; give a file holding one", start)
    policy = source.documents[0].parsed.policy
    if policy is None:  # every reason is an error diagnostic, raised above
        raise InputError("unreadable", "the policy could not be read", start)
    return policy


def check(
    paths: Sequence[str | Path],
    options: RunOptions | None = None,
    execution: Execution | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Run every check on every policy found under `paths` (files or folders, any input
    format) and apply the gate: the `Report` holds the findings, the input errors and the exit
    code `policyreason check` would give. `options` default to the built-in configuration
    (`RunOptions(config=load_config(find_config()))` reads the project's); `execution` spreads
    the work over processes or a cluster and caches results (default: in this process)."""
    from policyreason.gate import run
    from policyreason.run.options import RunOptions

    return run([str(p) for p in paths], options or RunOptions(), progress, execution)


def is_public(
    policy: Policy | str | Path, resource_type: str | None = None, rlimit: int | None = None
) -> PublicResult:
    """Is a resource or trust policy public, by S3 Block Public Access's definition? The
    result's `answer` is witnessed (a request from anyone), proven (nobody outside the names
    and fixed values the policy pins) or unknown. `resource_type` is the CloudFormation type
    the policy is attached to (default: inferred from its Resource ARNs); `rlimit` bounds each
    solver query (default: the tool's)."""
    from policyreason.analysis.public import public_access
    from policyreason.ir.resource_type import resource_type as named_type

    rtype = named_type(resource_type) if resource_type else None
    return public_access(_policy(policy), rtype, **_limit(rlimit))


def compare(
    old: Policy | str | Path,
    new: Policy | str | Path,
    witnesses: int = 3,
    rlimit: int | None = None,
) -> CompareResult:
    """What `new` allows that `old` does not (`new_access`) and the reverse (`lost_access`),
    each an answer with up to `witnesses` requests, and the verdict: equivalent, more or less
    permissive, incomparable, or unknown."""
    from policyreason.analysis.compare import compare as compare_policies

    return compare_policies(_policy(old), _policy(new), witnesses, **_limit(rlimit))


def can(policies: Policy | PolicySet | str | Path, request: Request) -> Evaluation:
    """Evaluate one concrete request with AWS's policy evaluation logic (no solver): the
    decision and the statements that made it. A single policy is an identity policy; a
    `PolicySet` holds every kind (resource, boundary, session, SCP and RCP levels, endpoint).
    Raises Undecidable when a policy was not read in full or names template values the
    request's `bindings` do not give: the decision would hold for some deployments only."""
    from policyreason.analysis.evaluate import evaluate
    from policyreason.ir.policy import PolicySet
    from policyreason.ir.template import label, names_in

    found = (
        policies if isinstance(policies, PolicySet) else PolicySet(identity=(_policy(policies),))
    )
    unread = [u for p in found.all_policies() for u in p.unmodelled]
    if unread:
        raise Undecidable(f"cannot decide: {'; '.join(unread)}")
    missing = [n for p in found.all_policies() for n in names_in(p) if n not in request.bindings]
    if missing:
        names = tuple(dict.fromkeys(label(n) for n in missing))
        raise Undecidable(
            "the policies depend on template values known only at deployment: " + ", ".join(names),
            missing=names,
        )
    return evaluate(found, request)


def read_network(path: str | Path) -> tuple[Network, bool]:
    """A network from a network description (*.net), an `aws ec2 describe-*` folder or one
    merged describe-* file, and whether it was read in full. Raises NetworkDslError for a
    description with an error; errors in an export leave out what they concern."""
    from policyreason.inputs.aws_describe import read_snapshot
    from policyreason.ir.diagnostic import Level
    from policyreason.parse.network_dsl import parse_network

    file = Path(path)
    if file.is_file() and file.suffix == ".net":
        return parse_network(file.read_text(encoding="utf-8"), str(file)), True
    network, diagnostics = read_snapshot(file)
    return network, not any(d.level is Level.ERROR for d in diagnostics)


def reach(
    network: Network | str | Path,
    src: str,
    dst: str,
    protocol: int | str | None = None,
    port: int | None = None,
    rlimit: int | None = None,
) -> ReachResult:
    """Can a packet get from `src` to `dst` and its answer come back? Endpoints are
    `internet`, an ENI, instance or subnet id, a declared on-premises network's name, a CIDR or
    an address. The result's `answer` is witnessed (packets with every hop), proven (with the
    component that blocks) or unknown; over a network not read in full, never proven."""
    from dataclasses import replace

    from policyreason.analysis.network.reach import reach as reach_network
    from policyreason.ir.network import Network, parse_protocol

    complete = True
    if not isinstance(network, Network):
        network, complete = read_network(network)
    number = parse_protocol(protocol) if protocol is not None else None
    result = reach_network(network, src, dst, number, port, **_limit(rlimit))
    if complete:
        return result
    partial = "the input could not be read in full"
    return replace(result, answer=result.answer.weakened(partial), blocked=None)


def exposures(network: Network | str | Path, rlimit: int | None = None) -> ExposureResult:
    """Everything on the network the internet reaches: each interface with its exact
    protocols and port ranges, a witness packet each and the rule that lets it in. The
    result's `answer` is witnessed, proven (nothing is reachable) or unknown; `possible` lists
    exposures through components whose rules are unknown. Over a network not read in full,
    never proven."""
    from dataclasses import replace

    from policyreason.analysis.network.exposures import exposures as find_exposures
    from policyreason.ir.network import Network

    complete = True
    if not isinstance(network, Network):
        network, complete = read_network(network)
    result = find_exposures(network, rlimit) if rlimit is not None else find_exposures(network)
    if complete:
        return result
    partial = "the input could not be read in full"
    return replace(result, answer=result.answer.weakened(partial))


def _policy(value: Policy | str | Path) -> Policy:
    return read_policy(value) if isinstance(value, str | Path) else value


def _limit(rlimit: int | None) -> dict[str, int]:
    # Only a given limit is passed on, so each analysis keeps its own default otherwise.
    return {"rlimit": rlimit} if rlimit is not None else {}
