"""A JSON parser that reads a bounded body: a code request is a few dozen bytes.

``BoundedJSONParser`` reads at most the view's ``max_body_size`` bytes (1024 by default) plus
one, and refuses a larger body with 413 ``too_large`` before parsing anything.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from rest_framework.parsers import JSONParser

from django_tencent_sms.contrib.rest_framework.errors import RequestTooLarge

__all__ = ["BoundedJSONParser"]

DEFAULT_MAX_BODY_SIZE = 1024


class BoundedJSONParser(JSONParser):
    def parse(
        self,
        stream: Any,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        view = (parser_context or {}).get("view")
        limit = getattr(view, "max_body_size", DEFAULT_MAX_BODY_SIZE)
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise RequestTooLarge()
        return super().parse(io.BytesIO(body), media_type, parser_context)
