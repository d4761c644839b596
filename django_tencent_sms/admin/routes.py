"""The admin's own pages beside Django's: one rule for their URL names."""

from __future__ import annotations

from django.urls import URLPattern, path

__all__ = ["admin_path"]


def admin_path(model_admin, route: str, view, suffix: str) -> URLPattern:
    """``route`` to ``view`` behind the admin site's login, named as Django names the admin's
    pages: ``<app_label>_<model_name>_<suffix>`` (reversed as ``admin:…``)."""
    opts = model_admin.opts
    return path(
        route,
        model_admin.admin_site.admin_view(view),
        name=f"{opts.app_label}_{opts.model_name}_{suffix}",
    )
