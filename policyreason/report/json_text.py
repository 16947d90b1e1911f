"""JSON text indented by two spaces, for every JSON report.

`json.dumps(value, indent=2)` encodes in pure Python when given an indent (its C encoder takes
none); for a report over a large batch (4.8 MB for the managed policies) that took 0.09 s, after
every file was checked. pydantic's serializer, in Rust, writes it in 0.02 s. Its text differs
from `json.dumps` only in the spelling of some floats (`0.00001` for `1e-05`, the same number)
and in keys that are not strings, which reports do not have. `tests/test_json_text.py` holds
the two equal as JSON and in layout.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import PydanticSerializationError, to_json


def indented(value: Any) -> str:
    """`value` as JSON text (UTF-8, not `\\u`-escaped), indented by two spaces."""
    try:
        return to_json(value, indent=2).decode()
    except PydanticSerializationError:
        # Text UTF-8 cannot hold (a lone surrogate from a file name): `json` keeps it, so that
        # the error is the writer's, as for any other output.
        return json.dumps(value, indent=2, ensure_ascii=False)
