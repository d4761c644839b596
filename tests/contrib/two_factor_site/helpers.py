"""Helpers of the two_factor tests: the tokens the emulator received, and where a token must
not be."""

from django.apps import apps
from django.db import connection


def sent_tokens(sandbox, phone):
    """The token in each SMS the emulator received for ``phone``, oldest first."""
    return [m.params[0] for m in sandbox.messages if "+" + m.nationcode + m.mobile == phone]


def token_nowhere_in_clear(token):
    """No text column of any row of any table holds ``token`` (the send log, the codes, the
    sessions, two_factor's devices...)."""
    assert len(token) >= 6
    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() not in {"CharField", "TextField", "JSONField"}:
                continue
            for pk, value in model._default_manager.values_list("pk", field.attname):
                if value is not None and token in str(value):
                    found.append((model._meta.label, field.name, pk))
    assert not found, (found, connection.vendor)
