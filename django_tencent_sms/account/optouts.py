"""Opt-outs: the numbers that asked for no more marketing messages, and the sends that skip them.

A number goes on the list (``SmsOptOut``) when its owner replies an unsubscribe keyword
(``account.optout_keywords``; ``store_replies`` calls ``opt_out_replies`` in the transaction
that stores the reply, so a stored reply and its opt-out are committed together, once), when
staff add it in the admin, or when code calls ``opt_out``. ``opt_in`` takes it off.

What is skipped (``skips``): a message with a template of type marketing, always; any bulk
send (``send_bulk``) unless it passes ``include_opted_out=True`` (not allowed with a marketing
template). Verification codes and single sends of other templates are never affected. A skipped
number gets a log row with status ``opted_out`` and no request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, cast

import phonenumbers
from django.db import DataError, IntegrityError, connections, router, transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from django_tencent_sms.account.optout_keywords import is_opt_out_reply, opt_out_keywords
from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import InvalidMessage, OptedOut
from django_tencent_sms.masking import mask_phone
from django_tencent_sms.models import SmsLog, SmsOptOut, SmsReply, SmsTemplate
from django_tencent_sms.protocol.text import printable
from django_tencent_sms.signals import notify, number_opted_out

__all__ = [
    "OptOutFilter",
    "announce",
    "as_e164",
    "check_include_opted_out",
    "is_opted_out",
    "mark_opted_out",
    "opt_in",
    "opt_out",
    "opt_out_replies",
    "opted_out_among",
    "opted_out_fields",
    "refuse_if_opted_out",
    "skips",
]

logger = logging.getLogger("django_tencent_sms")

Source = SmsOptOut.Source


def as_e164(phone: Any) -> str:
    """``phone`` (E.164 text, a national number in ``DEFAULT_REGION``, a ``PhoneNumber``) as
    E.164; ``InvalidMessage`` (code ``invalid_phone``) unless it is a valid number."""
    if isinstance(phone, phonenumbers.PhoneNumber):
        number: phonenumbers.PhoneNumber | None = phone
    elif isinstance(phone, str):
        try:
            number = phonenumbers.parse(phone.strip()[:64], sms_settings.DEFAULT_REGION)
        except phonenumbers.NumberParseException:
            number = None
    else:
        raise TypeError(f"phone must be a string or a PhoneNumber, not {type(phone).__name__}")
    if number is None or not phonenumbers.is_valid_number(number):
        raise InvalidMessage(_("This is not a valid phone number."), code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _reply_number(phone: Any) -> str:
    """The E.164 number of a reply's ``phone``: as ``as_e164``, or, when the country code was
    sent twice (nationcode 86, mobile 8613711112222), the digits read in that country."""
    try:
        return as_e164(phone)
    except InvalidMessage:
        if not isinstance(phone, phonenumbers.PhoneNumber) or not phone.country_code:
            raise
        region = phonenumbers.region_code_for_country_code(phone.country_code)
        return as_e164(phonenumbers.parse(str(phone.national_number), region))


# --- the list ---------------------------------------------------------------------------------


def is_opted_out(phone: Any) -> bool:
    """Whether ``phone`` (in any format ``send_sms`` takes) is on the opt-out list.
    ``InvalidMessage`` for a number that is not valid."""
    return SmsOptOut.objects.filter(phone=as_e164(phone)).exists()


def opted_out_among(phones: Iterable[Any]) -> set[str]:
    """The E.164 numbers among ``phones`` (valid ``PhoneNumber``s or E.164 texts) that are on
    the list: one query (a few on SQLite and MariaDB for more than 500 numbers).

    A bulk send asks this for each batch of 200, so it is plain SQL with the numbers as text:
    through the ORM, each number's lookup value cost more to prepare than the query to run. On
    PostgreSQL they go as one array parameter."""
    wanted = sorted({str(getattr(p, "as_e164", None) or p) for p in phones})
    if not wanted:
        return set()
    connection = connections[router.db_for_read(SmsOptOut)]
    quote = connection.ops.quote_name
    meta = SmsOptOut._meta
    column = quote(str(cast(Field, meta.get_field("phone")).column))
    # Quoted names from the model's meta; every value is a parameter.
    head = f"SELECT {column} FROM {quote(meta.db_table)} WHERE {column} "  # noqa: S608
    listed: set[str] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(head + "= ANY(%s::text[])", [wanted])
            listed.update(phone for (phone,) in cursor.fetchall())
        else:
            for start in range(0, len(wanted), _IN_CHUNK):
                chunk = wanted[start : start + _IN_CHUNK]
                cursor.execute(head + f"IN ({', '.join(['%s'] * len(chunk))})", chunk)
                listed.update(phone for (phone,) in cursor.fetchall())
    return listed


#: Numbers per ``IN (…)``: under SQLite's oldest limit of 999 parameters.
_IN_CHUNK = 500


def opt_out(
    phone: Any,
    *,
    source: str = Source.API,
    user: Any = None,
    reply: SmsReply | None = None,
    note: str = "",
) -> tuple[SmsOptOut, bool]:
    """Put ``phone`` on the opt-out list; returns ``(entry, created)`` like ``get_or_create``.

    A number already on the list keeps its entry as it is (``created`` False, no signal).
    ``source`` is ``"api"`` (the default), ``"staff"`` (``user`` is recorded as ``added_by``) or
    ``"reply"`` (``reply`` is the ``SmsReply`` that asked). ``number_opted_out`` is sent for a
    new entry. ``InvalidMessage`` for a number that is not valid, ``ValueError`` for an unknown
    ``source``.
    """
    if source not in Source.values:
        raise ValueError(f"source must be one of {Source.values}, not {source!r}")
    e164 = as_e164(phone)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    entry, created = SmsOptOut.objects.get_or_create(
        phone=e164,
        defaults={
            "source": source,
            "added_by": user,
            "reply": reply,
            "note": printable(str(note), SmsOptOut._meta.get_field("note").max_length),
        },
    )
    if created:
        announce([entry])
    return entry, created


def opt_in(phone: Any) -> bool:
    """Take ``phone`` off the opt-out list; whether it was on it. ``InvalidMessage`` for a
    number that is not valid."""
    e164 = as_e164(phone)
    deleted, _by_model = SmsOptOut.objects.filter(phone=e164).delete()
    if deleted:
        logger.info("%s was taken off the opt-out list", mask_phone(e164))
    return bool(deleted)


def announce(entries: Iterable[SmsOptOut]) -> None:
    """Log and signal (``number_opted_out``) new entries, once they are committed."""
    for entry in entries:
        logger.info("%s is on the opt-out list now (%s)", mask_phone(entry.phone), entry.source)
        notify(number_opted_out, SmsOptOut, entry=entry, reply=entry.reply)


def opt_out_replies(replies: Sequence[SmsReply]) -> list[SmsOptOut]:
    """Put the numbers of the newly stored ``replies`` that are unsubscribe keywords on the
    list; returns the new entries, for ``announce`` after the commit.

    Called by ``reports.apply.store_replies`` inside the transaction that stores them: a reply
    is judged once, when it is first stored, and a replay (not stored again) does nothing. A
    number already on the list keeps its entry. Never raises for a single reply: a number that
    does not parse is logged and skipped, an entry the database refuses is logged and skipped,
    one written meanwhile by another process counts as there.
    """
    keywords = opt_out_keywords()
    asking: dict[str, SmsReply] = {}
    for reply in replies:
        if not is_opt_out_reply(reply.text, keywords):
            continue
        try:
            e164 = _reply_number(reply.phone)
        except (InvalidMessage, TypeError):
            logger.warning(
                "A reply from %s asks to opt out, but its number is not valid: not listed",
                mask_phone(reply.phone),
            )
            continue
        asking.setdefault(e164, reply)
    if not asking:
        return []
    listed = opted_out_among(asking)
    created = []
    for e164, reply in asking.items():
        if e164 in listed:
            continue
        if reply.pk is None:  # a bulk insert that returns no ids (MySQL): find it
            reply.pk = (
                SmsReply.objects.filter(
                    phone=reply.phone, replied_at=reply.replied_at, text_hash=reply.text_hash
                )
                .values_list("pk", flat=True)
                .first()
            )
        entry = SmsOptOut(phone=e164, source=Source.REPLY, reply=reply if reply.pk else None)
        try:
            with transaction.atomic():
                entry.save(force_insert=True)
        except IntegrityError:
            continue  # listed meanwhile by another process
        except DataError as exc:
            logger.error(
                "The opt-out of %s could not be stored: %s", mask_phone(e164), printable(str(exc))
            )
            continue
        created.append(entry)
    return created


# --- sending ----------------------------------------------------------------------------------


def _marketing(template: SmsTemplate | None) -> bool:
    return template is not None and template.type == SmsTemplate.Type.MARKETING


def check_include_opted_out(template: SmsTemplate | None, include_opted_out: bool) -> None:
    """``ValueError`` for ``include_opted_out=True`` with a marketing template: a marketing
    message never goes to a number that opted out."""
    if include_opted_out and _marketing(template):
        raise ValueError(
            f"include_opted_out=True cannot be used with the marketing template "
            f"{template.name if template is not None else ''!r}: marketing messages are never "
            "sent to numbers that opted out."
        )


def skips(template: SmsTemplate | None, *, bulk: bool, include_opted_out: bool = False) -> bool:
    """Whether a send with ``template`` skips the numbers on the list: a marketing template
    always; a bulk send unless ``include_opted_out``."""
    return _marketing(template) or (bulk and not include_opted_out)


def opted_out_fields() -> dict[str, Any]:
    """The values of a log row not sent because its number is on the list."""
    return {
        "status": SmsLog.Status.OPTED_OUT,
        "errmsg": _("Not sent: the number is on the opt-out list."),
        "finished_at": timezone.now(),
    }


def _refusal(log: SmsLog) -> OptedOut:
    return OptedOut(
        _(
            "The number opted out of marketing messages (it is on the opt-out list): "
            "nothing was sent."
        ),
        log=log,
    )


def refuse_if_opted_out(log: SmsLog, template: SmsTemplate | None) -> None:
    """For a single send, before its row is written: when ``template`` is a marketing one and
    the row's number is on the list, save the row as ``opted_out`` and raise ``OptedOut``
    (with the row as ``exc.log``). Otherwise do nothing."""
    if not _marketing(template) or not is_opted_out(log.phone):
        return
    for name, value in opted_out_fields().items():
        setattr(log, name, value)
    log.save(force_insert=True)
    logger.info("SMS #%s to %s not sent: opted out", log.pk, mask_phone(log.phone))
    raise _refusal(log)


def mark_opted_out(rows: Sequence[SmsLog]) -> None:
    """Claimed rows (status ``sending``) a worker will not send: ``opted_out``, in one query."""
    if not rows:
        return
    fields = opted_out_fields()
    SmsLog.objects.filter(pk__in=[row.pk for row in rows]).update(**fields)
    for row in rows:
        for name, value in fields.items():
            setattr(row, name, value)
    logger.info(
        "%d SMS not sent at send time: their numbers opted out (%s…)",
        len(rows),
        mask_phone(rows[0].phone),
    )


class OptOutFilter:
    """Splits the numbers of a batch into those to send and those on the list: one query per
    batch, made just before the batch's rows are written (or, in a worker, sent)."""

    def __init__(
        self, template: SmsTemplate | None, *, bulk: bool, include_opted_out: bool = False
    ) -> None:
        self.active = skips(template, bulk=bulk, include_opted_out=include_opted_out)

    def split(self, numbers: Sequence[Any]) -> tuple[list[Any], list[Any]]:
        """``(to send, opted out)``, each in the order given. ``numbers`` are valid
        ``PhoneNumber``s, or objects with a ``phone`` (log rows)."""
        if not self.active or not numbers:
            return list(numbers), []
        phones = [getattr(n, "phone", n) for n in numbers]
        listed = opted_out_among(phones)
        if not listed:
            return list(numbers), []
        send: list[Any] = []
        skipped: list[Any] = []
        for item, phone in zip(numbers, phones, strict=True):
            (skipped if str(getattr(phone, "as_e164", None) or phone) in listed else send).append(
                item
            )
        return send, skipped
