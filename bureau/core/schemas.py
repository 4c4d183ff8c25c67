"""Field types for the API's input schemas, so that every text the API takes is parsed once.

``Annotated[str, Checked(200)]`` (or ``str | None``) is a string that goes through
``parsing.text`` while the request is validated: at most 200 characters, no control
characters, surrounding spaces removed. A bad value is a 422 naming the field, like any other
invalid input (see ``config.api``), never a 500 further on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from bureau.core import parsing


@dataclass(frozen=True)
class Checked:
    """Check a string with ``parsing.text`` after pydantic has read it; null passes."""

    max_length: int = parsing.MAX_TEXT

    def check(self, value: Any) -> Any:
        if value is None:
            return None
        return parsing.text(value, max_length=self.max_length)  # its ValueError is a 422

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        for part in [json_schema, *json_schema.get("anyOf", [])]:
            if part.get("type") == "string":
                part["maxLength"] = self.max_length
        return json_schema
