"""What a message says: its template resolved and its content checked, for one number or many.

``prepare_content`` checks everything but the number (a bulk send does it once for all its
numbers); ``prepare_message`` adds the number and builds what a backend is handed. Both raise
``InvalidMessage`` for bad input, before anything is written or sent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import phonenumbers
from django.utils.translation import gettext as _

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import InvalidMessage
from django_tencent_sms.message import BulkMessage, SmsMessage
from django_tencent_sms.models import SmsLog, SmsTemplate
from django_tencent_sms.sending.template_cache import template_by_name
from django_tencent_sms.sending.validation import (
    check_ext,
    check_extend,
    check_length,
    check_sign,
    check_tpl_id,
    check_verification_params,
    normalize_params,
    normalize_phone,
)

__all__ = [
    "REDACTED",
    "Content",
    "TemplateRef",
    "check_approved",
    "is_verification",
    "prepare_content",
    "prepare_message",
    "resolve_template",
    "template_of",
]

#: How a caller names a template: the row, its ``name``, or a Tencent template ID.
TemplateRef = SmsTemplate | str | int

#: What the log stores in place of a secret parameter.
REDACTED = "******"


@dataclass(frozen=True)
class Content:
    """Everything about a message but its number, checked (``prepare_content``).

    ``template`` is the site's row for the template, when it has one; ``text`` the rendered
    message when the template's text is known. Neither the parameters nor the text are shown
    by ``repr``: they may carry a verification code.
    """

    template: SmsTemplate | None
    tpl_id: int
    params: tuple[str, ...] = field(repr=False)
    sign: str
    ext: str
    extend: str
    text: str | None = field(repr=False)

    @property
    def secret(self) -> bool:
        """A verification template: none of its parameters is stored."""
        return self.template is not None and self.template.type == SmsTemplate.Type.VERIFICATION

    @property
    def template_name(self) -> str | None:
        """The name of the site's row for the template (None when it has none)."""
        return self.template.name if self.template is not None else None

    def stored_params(self, hidden: Iterable[int] = ()) -> list[str]:
        """The parameters as the log keeps them: ``REDACTED`` at the positions ``hidden``.

        With a verification template every parameter is hidden. That is decided now, from the
        template as it is when sending: a later edit or deletion of the template must not
        expose a code stored in clear.
        """
        if self.secret:
            return [REDACTED] * len(self.params)
        hide = set(hidden)
        return [REDACTED if i in hide else value for i, value in enumerate(self.params)]

    def row(self, phone: Any, *, hidden: Iterable[int] = (), **fields: Any) -> SmsLog:
        """An unsaved ``SmsLog`` of this content to ``phone``, with the other ``fields`` given."""
        return SmsLog(
            phone=phone,
            template=self.template,
            tpl_id=self.tpl_id,
            params=self.stored_params(hidden),
            sign=self.sign,
            ext=self.ext,
            extend=self.extend,
            **fields,
        )

    def message(self, number: phonenumbers.PhoneNumber) -> SmsMessage:
        """This content to one (valid) number, as a backend is handed it."""
        return SmsMessage(
            phone=number,
            tpl_id=self.tpl_id,
            params=self.params,
            sign=self.sign,
            ext=self.ext,
            extend=self.extend,
            text=self.text,
            template_name=self.template_name,
        )

    def bulk_message(self, numbers: Sequence[phonenumbers.PhoneNumber]) -> BulkMessage:
        """This content to several (valid) numbers in one request, in their order."""
        return BulkMessage(
            phones=tuple(numbers),
            tpl_id=self.tpl_id,
            params=self.params,
            sign=self.sign,
            ext=self.ext,
            extend=self.extend,
            text=self.text,
            template_name=self.template_name,
        )


def resolve_template(template: TemplateRef) -> tuple[SmsTemplate | None, int]:
    """The site's row for ``template`` (None for a Tencent ID the site has no row for) and its
    Tencent ID; ``InvalidMessage`` for an unknown name or an inactive template."""
    if isinstance(template, SmsTemplate):
        obj = template
    elif isinstance(template, str):
        try:
            obj = template_by_name(template)
        except SmsTemplate.DoesNotExist:
            raise InvalidMessage(
                _("There is no SMS template named %(name)s."),
                code="unknown_template",
                params={"name": template},
            ) from None
    elif isinstance(template, int) and not isinstance(template, bool):
        # A bare Tencent ID: validate against the matching row when the site has one.
        check_tpl_id(template)
        row = SmsTemplate.objects.filter(tpl_id=template).first()
        if row is not None:
            check_approved(row)
        return row, template
    else:
        raise TypeError(
            f"template must be an SmsTemplate, its name or a tpl_id, not {type(template).__name__}"
        )
    if not obj.is_active:
        raise InvalidMessage(
            _("The SMS template %(name)s is not active."),
            code="inactive_template",
            params={"name": obj.name},
        )
    check_approved(obj)
    check_tpl_id(obj.tpl_id)
    return obj, obj.tpl_id


def check_approved(template: SmsTemplate) -> None:
    """``InvalidMessage`` (``template_not_approved``) when the catalog sync read a status other
    than approved for ``template``; never synced (``unknown``) passes."""
    if template.is_sendable:
        return
    reply = template.review_reply.strip()
    raise InvalidMessage(
        _("Tencent has not approved the SMS template %(name)s (%(status)s)%(reply)s."),
        code="template_not_approved",
        params={
            "name": template.name,
            "status": template.get_status_display(),
            "reply": f": {reply}" if reply else "",
        },
    )


def prepare_content(
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
) -> Content:
    """Check everything about a message but its number; ``InvalidMessage`` when it is bad.

    ``sign`` None takes the template's signature, else ``TENCENT_SMS['SIGN']``.
    """
    template_obj, tpl_id = resolve_template(template)
    values = normalize_params(
        params,
        expected=template_obj.param_count if template_obj is not None else None,
        max_length=sms_settings.MAX_PARAM_LENGTH,
    )
    if template_obj is not None and template_obj.type == SmsTemplate.Type.VERIFICATION:
        check_verification_params(values)
    if sign is None:
        sign = (template_obj.sign if template_obj is not None else "") or sms_settings.SIGN
    if not isinstance(sign, str):
        raise TypeError(f"sign must be a string, not {type(sign).__name__}")
    sign = sign.strip()
    check_sign(sign)
    extend = check_extend(extend)
    ext = check_ext(ext)
    text = None
    if template_obj is not None:
        text = template_obj.render(values)
        check_length(text, sign)
    else:
        # The text is Tencent's to render: it holds every parameter, so it is at least as long.
        check_length("".join(values), sign)
    return Content(template_obj, tpl_id, values, sign, ext, extend, text)


def prepare_message(
    phone: Any,
    template: TemplateRef,
    params: Iterable[Any] = (),
    *,
    sign: str | None = None,
    ext: str = "",
    extend: str = "",
) -> tuple[SmsMessage, SmsTemplate | None]:
    """Validate the input and build the ``SmsMessage``; raise ``InvalidMessage`` if it is bad.

    Returns the message and the site's row for its template (None when it has none).
    """
    number = normalize_phone(phone, sms_settings.DEFAULT_REGION)
    content = prepare_content(template, params, sign=sign, ext=ext, extend=extend)
    return content.message(number), content.template


def template_of(log: SmsLog) -> TemplateRef:
    """The template ``log`` was sent with: its row, or its Tencent ID once the row is gone."""
    template = log.template
    return template if template is not None else log.tpl_id


def is_verification(log: SmsLog) -> bool:
    """Whether ``log`` was sent with a verification-code template (by its row, or its ID), or
    is a voice-code call (whose only content is a code)."""
    if log.channel == SmsLog.Channel.VOICE:
        return True
    template = log.template
    if template is not None:
        return template.type == SmsTemplate.Type.VERIFICATION
    return SmsTemplate.objects.filter(
        tpl_id=log.tpl_id, type=SmsTemplate.Type.VERIFICATION
    ).exists()
