"""The fee and volume dashboard (placeholder until implemented)."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.response import TemplateResponse


def dashboard_view(model_admin, request: HttpRequest) -> TemplateResponse:
    raise NotImplementedError
