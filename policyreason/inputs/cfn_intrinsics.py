"""The intrinsic functions of a CloudFormation template, evaluated as far as the template itself
allows.

Parameters resolve to their defaults (or to values given in the configuration), Mappings and
Conditions are evaluated, `!Sub`/`!Join`/`!Select`/`!Split`/`!If` are computed, `Fn::ForEach`
loops (the AWS::LanguageExtensions transform) are expanded. What only a deployment knows becomes
a template value (`ir/template.py`), a reference `${Name}` in the policy text that the analysis
ranges over, shared by every place that names it: a parameter without a default
(`${RestrictedPrefixArn}`), a resource's `!Ref` (`${Bucket}`), a `!GetAtt` (`${Bucket.Arn}`), an
`!ImportValue` (`${ImportValue.network-VpcId}`), a pseudo parameter (`${AWS.AccountId}`, the
stack's own account). Any other value that stays unknown but is one string (a `!Select` from an
unknown list) is a template value named after the function and its position. An `!If` on a
condition the deployment decides is a choice (`inputs/cfn_choices.py`) kept until the statements
are read.

What a template value cannot stand for (a list of unknown length, what a macro writes) is a
placeholder the evaluator remembers, so that the policy holding it can say what it leaves out.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping

from policyreason.inputs.cfn_choices import Choices
from policyreason.ir.diagnostic import Diagnostic, Level
from policyreason.ir.span import Span
from policyreason.ir.template import canonical, label, reference, refs, safe_name
from policyreason.parse.json_spans import JArray, JNode, JObject, JScalar, to_python

PSEUDO_PARAMETERS = (
    "AWS::AccountId",
    "AWS::NotificationARNs",
    "AWS::Partition",
    "AWS::Region",
    "AWS::StackId",
    "AWS::StackName",
    "AWS::URLSuffix",
)
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_FOR_EACH = "Fn::ForEach::"


class Intrinsics:
    """The values of one template's intrinsic functions. Problems go to `diags`, the
    template's diagnostics; warnings about one value wait in `pending` until the document
    that holds it takes them (`take_warnings`)."""

    def __init__(self, root: JObject, given: Mapping[str, str], diags: list[Diagnostic]) -> None:
        self.root = root
        self.given = given
        self.diags = diags
        self.fuzzy: set[int] = set()  # ids of scalars holding template values
        self.unmodelled: dict[str, str] = {}  # placeholder name -> what it stands for
        self.condition_cache: dict[str, bool | None] = {}
        self.resources = root.get("Resources")
        self.pending: list[Diagnostic] = []
        # ids of scalars holding a parameter's '' default -> the parameter
        self.empty_defaults: dict[int, str] = {}
        # Every scalar an id above names, kept alive: a node made after one was dropped could
        # otherwise be given its id, and be read as a template value or a '' default.
        self._named: list[JScalar] = []
        self.loop_values: set[str] = set()  # identifiers of loops over unknown collections
        self.choices = Choices()

    # -- diagnostics -------------------------------------------------------------------------

    def error(self, code: str, message: str, span: Span) -> None:
        self.diags.append(Diagnostic(code=code, level=Level.ERROR, message=message, span=span))

    def warn(self, code: str, message: str, span: Span) -> None:
        self.pending.append(Diagnostic(code=code, level=Level.WARNING, message=message, span=span))

    def take_warnings(self) -> tuple[Diagnostic, ...]:
        out, self.pending = tuple(self.pending), []
        return out

    # -- loops (Fn::ForEach) -----------------------------------------------------------------

    def expand_loops(self, section: JObject) -> JObject:
        """The section with every `Fn::ForEach::Name: [Identifier, Collection, Fragment]`
        replaced by one copy of the fragment per value of the collection."""
        pairs: list[tuple[JScalar, JNode]] = []
        for key, value in section.pairs:
            if not str(key.value).startswith(_FOR_EACH):
                pairs.append((key, value))
                continue
            for copy in self._loop_copies(str(key.value), value):
                pairs += copy.pairs
        return JObject(tuple(pairs), section.span)

    def _loop_copies(self, name: str, loop: JNode) -> list[JObject]:
        parts = loop.items if isinstance(loop, JArray) else ()
        fragment = parts[2] if len(parts) == 3 else None
        if not (isinstance(fragment, JObject) and isinstance(parts[0], JScalar)):
            self.error(
                "cfn-shape",
                f"{name} must be [Identifier, Collection, {{OutputKey: ...}}]",
                loop.span,
            )
            return []
        identifier = str(parts[0].value)
        collection = self.resolve(parts[1])
        values = collection.items if isinstance(collection, JArray) else ()
        if not isinstance(collection, JArray) or any(
            not isinstance(v, JScalar) or id(v) in self.fuzzy for v in values
        ):
            self.take_warnings()
            self.diags.append(
                Diagnostic(
                    code="cfn-unresolved",
                    level=Level.WARNING,
                    message=f"the collection of {name} is known only at deployment; its "
                    f"fragment is analysed once, for every value of {identifier} (a template "
                    "value)",
                    span=parts[1].span,
                )
            )
            self.loop_values.add(identifier)
            return [self.expand_loops(fragment)]
        self.take_warnings()
        copies = (
            _substitute(fragment, identifier, str(v.value))
            for v in values
            if isinstance(v, JScalar)
        )
        return [self.expand_loops(c) for c in copies if isinstance(c, JObject)]

    # -- intrinsic functions -----------------------------------------------------------------

    def resolve(self, node: JNode) -> JNode | None:
        """The node with intrinsic functions evaluated; None for AWS::NoValue."""
        if isinstance(node, JScalar):
            return node
        if isinstance(node, JArray):
            items = [self.resolve(i) for i in node.items]
            return JArray(tuple(i for i in items if i is not None), node.span)
        if len(node.pairs) == 1:
            key = str(node.pairs[0][0].value)
            if key == "Ref" or key.startswith("Fn::"):
                return self._intrinsic(key, node.pairs[0][1], node.span)
        pairs: list[tuple[JScalar, JNode | None]] = []
        for k, v in node.pairs:
            if k.value == "Fn::Transform":
                # A macro beside other keys adds to the object at deployment.
                pairs.append((k, self._transform(v, k.span)))
                continue
            pairs.append((k, self.resolve(v)))
        return JObject(tuple((k, v) for k, v in pairs if v is not None), node.span)

    def _transform(self, arg: JNode, span: Span) -> JScalar:
        """What a macro writes at deployment: a placeholder that makes the policy holding
        it unmodelled."""
        macro = arg.get("Name") if isinstance(arg, JObject) else None
        what = f"macro {macro.value}" if isinstance(macro, JScalar) else "a macro"
        name = f"Unmodelled.{len(self.unmodelled) + 1}"
        self.unmodelled[name] = f"what Fn::Transform ({what}) at line {span.line} writes"
        self.warn(
            "cfn-transform",
            f"Fn::Transform ({what}) adds content only at deployment; what it adds here is "
            "not analysed, and answers about this policy are unknown",
            span,
        )
        return self.mark(JScalar(reference(name), span))

    def unresolved(self, what: str, span: Span, why: str = "is not a single value") -> JScalar:
        """A value the deployment gives that no template value can stand for (a list, an
        object): a placeholder that makes the policy unmodelled."""
        name = f"Unmodelled.{len(self.unmodelled) + 1}"
        self.unmodelled[name] = f"{what} at line {span.line} is known only at deployment"
        self.warn(
            "cfn-unmodelled",
            f"{what} is known only at deployment and {why}; answers about this policy are "
            "unknown (give the value in the configuration)",
            span,
        )
        return self.mark(JScalar(reference(name), span))

    def symbol(self, name: str, span: Span) -> JScalar:
        """The template value `name` (a fixed string the deployment gives), unless the
        configuration gives its value (`SiteBucket.Arn = "arn:aws:s3:::site"`)."""
        name = safe_name(name)
        if label(name) in self.given:
            return JScalar(self.given[label(name)], span)
        return self.mark(JScalar(reference(name), span))

    def _value(self, what: str, span: Span) -> JScalar:
        """One string the deployment gives, named after the function and its position."""
        return self.symbol(f"{what}@{span.line}.{span.column}", span)

    def mark(self, scalar: JScalar) -> JScalar:
        """`scalar`, remembered as holding template values."""
        self.fuzzy.add(id(scalar))
        self._named.append(scalar)
        return scalar

    def unmodelled_in(self, node: JNode) -> tuple[str, ...]:
        """What the placeholders in a resolved document stand for."""
        found = {
            self.unmodelled[name]: None
            for scalar in _scalars(node)
            if isinstance(scalar.value, str)
            for name in refs(scalar.value)
            if name in self.unmodelled
        }
        return tuple(found)

    def _intrinsic(self, name: str, arg: JNode, span: Span) -> JNode | None:
        if name == "Ref":
            return self._ref(arg, span)
        if name == "Fn::Sub":
            return self._sub(arg, span)
        if name == "Fn::Join":
            return self._join(arg, span)
        if name == "Fn::If":
            return self._if(arg, span)
        if name == "Fn::Select":
            return self._select(arg, span)
        if name == "Fn::Split":
            return self._split(arg, span)
        if name == "Fn::FindInMap":
            return self._find_in_map(arg, span)
        if name == "Fn::Transform":
            return self._transform(arg, span)
        if name == "Fn::GetAtt":
            return self._get_att(arg, span)
        if name == "Fn::ImportValue":
            value = self.resolve(arg)
            if isinstance(value, JScalar):
                return self.symbol(f"ImportValue.{value.value}", span)
        if name == "Fn::Base64":
            value = self.resolve(arg)
            if isinstance(value, JScalar) and id(value) not in self.fuzzy:
                encoded = base64.b64encode(str(value.value).encode()).decode()
                return JScalar(encoded, span)
            if isinstance(value, JScalar):
                return self._value("Fn.Base64", span)
        return self.unresolved(f"{name} {_short(arg)}", span)

    def _get_att(self, arg: JNode, span: Span) -> JNode:
        if isinstance(arg, JScalar) and "." in str(arg.value):
            return self.symbol(str(arg.value), span)
        items = arg.items if isinstance(arg, JArray) else ()
        parts = [self.resolve(i) for i in items]
        names = [str(p.value) for p in parts if isinstance(p, JScalar) and id(p) not in self.fuzzy]
        if len(names) == 2 == len(parts):
            return self.symbol(".".join(names), span)
        return self.unresolved(f"Fn::GetAtt {_short(arg)}", span)

    def _ref(self, arg: JNode, span: Span) -> JNode | None:
        if not isinstance(arg, JScalar):
            return self.unresolved(f"Ref {_short(arg)}", span)
        name = str(arg.value)
        if name == "AWS::NoValue":
            return None
        if name in self.given:
            return JScalar(self.given[name], span)
        default = self._parameter_default(name)
        if default is not None:
            value = _relocate(default, span)
            if isinstance(value, JScalar) and value.value == "":
                self.empty_defaults[id(value)] = name
                self._named.append(value)
            return value
        if name == "AWS::NotificationARNs" or self._is_list_parameter(name):
            return self.unresolved(f"Ref {name} (a list)", span)
        if name in PSEUDO_PARAMETERS or self._is_parameter(name):
            return self.symbol(canonical("${" + name + "}")[2:-1], span)
        if name in self.loop_values or (
            isinstance(self.resources, JObject) and self.resources.get(name) is not None
        ):
            return self.symbol(name, span)
        self.warn(
            "cfn-unresolved",
            f"Ref {name} names no parameter or resource of this template; analysed as a value "
            "the deployment gives",
            span,
        )
        return self.symbol(name, span)

    def _parameter(self, name: str) -> JObject | None:
        params = self.root.get("Parameters")
        param = params.get(name) if isinstance(params, JObject) else None
        return param if isinstance(param, JObject) else None

    def _is_parameter(self, name: str) -> bool:
        return self._parameter(name) is not None

    def _is_list_parameter(self, name: str) -> bool:
        param = self._parameter(name)
        ptype = param.get("Type") if param is not None else None
        return isinstance(ptype, JScalar) and _is_list_type(str(ptype.value))

    def _parameter_default(self, name: str) -> JNode | None:
        params = self.root.get("Parameters")
        param = params.get(name) if isinstance(params, JObject) else None
        if not isinstance(param, JObject):
            return None
        default = param.get("Default")
        if not isinstance(default, JScalar):
            return default
        ptype = param.get("Type")
        if isinstance(ptype, JScalar) and _is_list_type(str(ptype.value)):
            parts = [p.strip() for p in str(default.value).split(",")]
            return JArray(tuple(JScalar(p, default.span) for p in parts), default.span)
        value = default.value
        return JScalar(str(value) if not isinstance(value, str) else value, default.span)

    def _sub(self, arg: JNode, span: Span) -> JNode:
        variables: dict[str, JNode | None] = {}
        template = arg
        if isinstance(arg, JArray) and len(arg.items) == 2 and isinstance(arg.items[1], JObject):
            template = arg.items[0]
            variables = {str(k.value): self.resolve(v) for k, v in arg.items[1].pairs}
        if not isinstance(template, JScalar) or not isinstance(template.value, str):
            return self.unresolved(f"Fn::Sub {_short(arg)}", span)
        fuzzy = False
        pieces: list[str] = []
        position = 0
        text = template.value
        for match in _SUB_VARIABLE.finditer(text):
            pieces.append(text[position : match.start()])
            position = match.end()
            inner = match.group(1)
            if inner.startswith("!"):
                pieces.append("${" + inner[1:] + "}")
                continue
            value = self._sub_variable(inner, variables, span)
            fuzzy = fuzzy or id(value) in self.fuzzy
            pieces.append(str(value.value))
        pieces.append(text[position:])
        result = JScalar("".join(pieces), span)
        return self.mark(result) if fuzzy else result

    def _sub_variable(self, inner: str, variables: dict[str, JNode | None], span: Span) -> JScalar:
        if inner in variables:
            value = variables[inner]
        elif "." in inner and not inner.startswith("AWS::"):
            return self.symbol(inner, span)
        else:
            value = self._ref(JScalar(inner, span), span)
        if isinstance(value, JScalar):
            return value
        return self.unresolved(f"${{{inner}}} (not a single value)", span)

    def _join(self, arg: JNode, span: Span) -> JNode:
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return self.unresolved(f"Fn::Join {_short(arg)}", span)
        delimiter = self.resolve(arg.items[0])
        values = self.resolve(arg.items[1])
        if not isinstance(delimiter, JScalar) or not isinstance(values, JArray):
            return self.unresolved(f"Fn::Join {_short(arg)}", span)
        if not all(isinstance(v, JScalar) for v in values.items):
            return self.unresolved(f"Fn::Join {_short(arg)}", span)
        fuzzy = any(id(v) in self.fuzzy for v in values.items)
        joined = str(delimiter.value).join(
            str(v.value) for v in values.items if isinstance(v, JScalar)
        )
        result = JScalar(joined, span)
        return self.mark(result) if fuzzy else result

    def _select(self, arg: JNode, span: Span) -> JNode | None:
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return self.unresolved(f"Fn::Select {_short(arg)}", span)
        index = self.resolve(arg.items[0])
        values = self.resolve(arg.items[1])
        try:
            position = int(str(index.value)) if isinstance(index, JScalar) else -1
        except ValueError:
            position = -1
        if isinstance(values, JArray) and 0 <= position < len(values.items):
            return values.items[position]
        if isinstance(index, JScalar) and (isinstance(values, JArray) or self._placeholder(values)):
            # One element of a list the deployment gives (or of unknown position).
            return self._value("Fn.Select", span)
        return self.unresolved(f"Fn::Select {_short(arg)}", span)

    def _placeholder(self, node: JNode | None) -> bool:
        return isinstance(node, JScalar) and any(
            n in self.unmodelled for n in refs(str(node.value))
        )

    def _split(self, arg: JNode, span: Span) -> JNode:
        if not (isinstance(arg, JArray) and len(arg.items) == 2):
            return self.unresolved(f"Fn::Split {_short(arg)}", span)
        delimiter = self.resolve(arg.items[0])
        value = self.resolve(arg.items[1])
        if not isinstance(delimiter, JScalar) or not isinstance(value, JScalar):
            return self.unresolved(f"Fn::Split {_short(arg)}", span)
        if id(value) in self.fuzzy:
            # How many pieces a text with template values splits into is not known.
            return self.unresolved(f"Fn::Split {_short(arg)}", span)
        parts = [JScalar(p, span) for p in str(value.value).split(str(delimiter.value))]
        return JArray(tuple(parts), span)

    def _find_in_map(self, arg: JNode, span: Span) -> JNode:
        if not (isinstance(arg, JArray) and len(arg.items) >= 3):
            return self.unresolved(f"Fn::FindInMap {_short(arg)}", span)
        keys = [self.resolve(i) for i in arg.items[:3]]
        mappings = self.root.get("Mappings")
        found: JNode | None = mappings
        for key in keys:
            if not isinstance(key, JScalar) or id(key) in self.fuzzy:
                found = None
                break
            found = found.get(str(key.value)) if isinstance(found, JObject) else None
        if found is not None:
            return _relocate(found, span)
        if all(isinstance(k, JScalar) for k in keys) and self._map_scalars(keys):
            return self._value("Fn.FindInMap", span)
        return self.unresolved(f"Fn::FindInMap {_short(arg)}", span)

    def _map_scalars(self, keys: list[JNode | None]) -> bool:
        """Every value the map lookup could give (keys with template values range over the
        whole level) is one string."""
        level: list[JNode] = [self.root.get("Mappings") or JObject((), self.root.span)]
        for key in keys:
            nxt: list[JNode] = []
            for node in level:
                if not isinstance(node, JObject):
                    return False
                if isinstance(key, JScalar) and id(key) not in self.fuzzy:
                    found = node.get(str(key.value))
                    nxt += [found] if found is not None else []
                else:
                    nxt += [v for _k, v in node.pairs]
            level = nxt
        return bool(level) and all(isinstance(v, JScalar) for v in level)

    def _if(self, arg: JNode, span: Span) -> JNode | None:
        if not (isinstance(arg, JArray) and len(arg.items) == 3):
            return self.unresolved(f"Fn::If {_short(arg)}", span)
        name_node, when_true, when_false = arg.items
        name = str(name_node.value) if isinstance(name_node, JScalar) else ""
        decided = self.condition(name, set())
        if decided is True:
            return self.resolve(when_true)
        if decided is False:
            return self.resolve(when_false)
        first, second = self.resolve(when_true), self.resolve(when_false)
        if (
            isinstance(first, JScalar)
            and isinstance(second, JScalar)
            and first.value == second.value
        ):
            return first
        return self._mark_node(self.choices.choose(name, first, second, span))

    def _mark_node(self, node: JNode) -> JNode:
        return self.mark(node) if isinstance(node, JScalar) else node

    def condition(self, name: str, seen: set[str]) -> bool | None:
        """The value of a template condition, or None when it depends on the deployment."""
        if name in self.condition_cache:
            return self.condition_cache[name]
        conditions = self.root.get("Conditions")
        node = conditions.get(name) if isinstance(conditions, JObject) else None
        if node is None or name in seen:
            return None
        value = self._evaluate(node, seen | {name})
        self.condition_cache[name] = value
        return value

    def _evaluate(self, node: JNode, seen: set[str]) -> bool | None:
        if not (isinstance(node, JObject) and len(node.pairs) == 1):
            return None
        key, arg = str(node.pairs[0][0].value), node.pairs[0][1]
        if key == "Condition" and isinstance(arg, JScalar):
            return self.condition(str(arg.value), seen)
        if not isinstance(arg, JArray):
            return None
        if key == "Fn::Equals" and len(arg.items) == 2:
            saved = self.pending
            left, right = self.resolve(arg.items[0]), self.resolve(arg.items[1])
            self.pending = saved
            if not (isinstance(left, JScalar) and isinstance(right, JScalar)):
                return None
            if id(left) in self.fuzzy or id(right) in self.fuzzy:
                return None
            return str(left.value) == str(right.value)
        values = [self._evaluate(i, seen) for i in arg.items]
        if key == "Fn::Not" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if key == "Fn::And":
            return False if False in values else None if None in values else True
        if key == "Fn::Or":
            return True if True in values else None if None in values else False
        return None


def _substitute(node: JNode, identifier: str, value: str) -> JNode:
    """One copy of a loop fragment for one value: `${Id}` and `&{Id}` in keys and `Fn::Sub`
    strings, and `Ref: Id`, become the value (`&{}` keeps only its letters and digits)."""
    plain = "${" + identifier + "}"
    alphanumeric = "&{" + identifier + "}"
    short = "".join(c for c in value if c.isalnum())

    def text(raw: str) -> str:
        return raw.replace(plain, value).replace(alphanumeric, short)

    def walk(node: JNode, in_sub: bool) -> JNode:
        if isinstance(node, JScalar):
            if in_sub and isinstance(node.value, str):
                return JScalar(text(node.value), node.span)
            return node
        if isinstance(node, JArray):
            return JArray(tuple(walk(i, in_sub) for i in node.items), node.span)
        if len(node.pairs) == 1:
            key, arg = node.pairs[0]
            if key.value == "Ref" and isinstance(arg, JScalar) and arg.value == identifier:
                return JScalar(value, node.span)
            if key.value == "Fn::Sub":
                return JObject(((key, walk(arg, True)),), node.span)
        pairs = tuple((JScalar(text(str(k.value)), k.span), walk(v, in_sub)) for k, v in node.pairs)
        return JObject(pairs, node.span)

    return walk(node, False)


def _is_list_type(ptype: str) -> bool:
    return ptype == "CommaDelimitedList" or ptype.startswith("List<")


def _scalars(node: JNode) -> Iterator[JScalar]:
    if isinstance(node, JScalar):
        yield node
    elif isinstance(node, JArray):
        for item in node.items:
            yield from _scalars(item)
    else:
        for _key, value in node.pairs:
            yield from _scalars(value)


def _relocate(node: JNode, span: Span) -> JNode:
    # A value copied from Parameters or Mappings is reported where it is used.
    if isinstance(node, JScalar):
        return JScalar(node.value, span)
    if isinstance(node, JArray):
        return JArray(tuple(_relocate(i, span) for i in node.items), span)
    return JObject(tuple((k, _relocate(v, span)) for k, v in node.pairs), span)


def _short(node: JNode) -> str:
    text = json.dumps(to_python(node), separators=(",", ":"))
    return text if len(text) <= 60 else text[:57] + "..."
