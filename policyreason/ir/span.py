"""Source positions carried by every IR node, so findings point at the user's text."""

from __future__ import annotations

from typing import Any, NamedTuple

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema


class Span(NamedTuple):
    """A region of a source file; lines and columns are 1-based, the end is exclusive.

    A named tuple, not a model: reading the managed policies makes over a hundred thousand
    spans, and a tuple is made, hashed, compared and pickled in C. In the IR's models it
    validates and dumps as the object `{"file": ..., "line": ..., ...}` a model would."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @classmethod
    def __get_pydantic_core_schema__(
        cls, _source: Any, _handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        fields = core_schema.typed_dict_schema(
            {
                name: core_schema.typed_dict_field(
                    core_schema.str_schema() if name == "file" else core_schema.int_schema()
                )
                for name in cls._fields
            }
        )
        from_object = core_schema.no_info_after_validator_function(lambda d: cls(**d), fields)
        return core_schema.json_or_python_schema(
            json_schema=from_object,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_object]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(cls._asdict),
        )


def unknown_span(file: str = "<input>") -> Span:
    """A span for values that did not come from a file (generated or synthesised)."""
    return Span(file=file, line=0, column=0, end_line=0, end_column=0)
