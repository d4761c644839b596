"""The request and answer bodies of the DRF endpoints, as serializers.

The request serializers only check the shape (strings, lengths, no NUL, a purpose the view
allows); the number and the code are then judged by ``otp.forms``, as on the other endpoints.
The answer serializers describe the bodies for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from django_tencent_sms.otp.forms import CODE_MAX_LENGTH, PHONE_MAX_LENGTH

__all__ = [
    "CodeSentSerializer",
    "ErrorSerializer",
    "RequestCodeSerializer",
    "VerifiedSerializer",
    "VerifyCodeSerializer",
]

PURPOSE_HELP = "What the code is for; one of the endpoint's purposes (by default only login)."


class RequestCodeSerializer(serializers.Serializer):
    """``{"phone", "purpose"?}``; the view passes its ``purposes`` in the context."""

    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH, help_text="The mobile number, as typed or in E.164."
    )
    purpose = serializers.CharField(
        max_length=32, required=False, allow_blank=True, allow_null=True, help_text=PURPOSE_HELP
    )

    def validate_purpose(self, value: Any) -> str:
        if not value:
            return ""
        if value not in self.context.get("purposes", ("login",)):
            raise serializers.ValidationError(
                _("Codes for this purpose cannot be requested here."), code="invalid_purpose"
            )
        return value


class VerifyCodeSerializer(RequestCodeSerializer):
    """``{"phone", "code", "purpose"?}``."""

    code = serializers.CharField(
        max_length=CODE_MAX_LENGTH,
        trim_whitespace=True,
        help_text="The code the SMS carried.",
        style={"input_type": "password"},
    )


class CodeSentSerializer(serializers.Serializer):
    retry_after = serializers.IntegerField(help_text="Seconds before a new code may be asked for.")
    expires_in = serializers.IntegerField(help_text="Seconds the code stays valid.")


class VerifiedSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="Always true: the code was right.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What to tell the person, translated.")
    code = serializers.CharField(help_text="Stable: cooldown, wrong, invalid_phone, ...")
    field = serializers.CharField(required=False, help_text="The field the error is about.")
    retry_after = serializers.IntegerField(
        required=False, help_text="Seconds to wait; also the Retry-After header of a 429."
    )
    attempts_left = serializers.IntegerField(
        required=False, help_text="Tries left for this code, after a wrong one."
    )
