"""Every signal the app sends, and :func:`notify`, the one way the app sends them.

``sms_sent(sender=SmsLog, log, result)``: Tencent accepted the message.
``sms_failed(sender=SmsLog, log, exception)``: the attempt failed, or its outcome is unknown
(``log.status`` says which).
"""

import logging
from typing import Any

from django.dispatch import Signal

logger = logging.getLogger("django_tencent_sms")

sms_sent = Signal()
sms_failed = Signal()

# Verification codes (django_tencent_sms.otp.service); ``sender`` is ``VerificationCode``.
#: ``code_sent(record, request)``: a code went out (``record.state`` is sent or unknown).
code_sent = Signal()
#: ``code_verified(record, request)``: the right code was entered; it is now used.
code_verified = Signal()
#: ``code_failed(phone, purpose, reason, record, request)``: a check failed; ``reason`` is a
#: ``otp.Reason``, ``record`` the newest code or None.
code_failed = Signal()
#: ``daily_limit_reached(limit, request)``: ``OTP["DAILY_LIMIT"]`` stopped a send today.
daily_limit_reached = Signal()
#: ``code_conversion_low(sent, verified, rate, threshold, window)``: of the ``sent`` codes of
#: the last ``window`` seconds whose TTL is over, only ``verified`` were entered (``rate``
#: below ``OTP["CONVERSION_MIN_RATE"]``): the signature of SMS pumping. Sent again after every
#: ``OTP["CONVERSION_MIN_CODES"]`` codes while it lasts.
code_conversion_low = Signal()

# Delivery reports and replies (django_tencent_sms.reports.apply): from Tencent's callbacks or from
# `manage.py tencent_sms_pull_status`.
#: ``sms_delivery_report(sender=SmsLog, log, report)``: ``log`` was updated from ``report`` (a
#: ``protocol.reports.DeliveryReport``); ``log.status`` is now delivered or undelivered. Not sent
#: for a replayed or older report, which changes nothing.
sms_delivery_report = Signal()
#: ``sms_reply_received(sender=SmsReply, reply)``: a person's reply was stored (once: a replayed
#: push or an overlapping pull does not send it again).
sms_reply_received = Signal()

#: ``low_balance(sender=Balance, balance, threshold)``: ``manage.py tencent_sms_balance`` found
#: fewer units left than ``TENCENT_SMS["LOW_BALANCE"]`` (``balance``: ``account.balance.Balance``).
low_balance = Signal()

# Opt-outs (django_tencent_sms.account.optouts).
#: ``number_opted_out(sender=SmsOptOut, entry, reply)``: ``entry.phone`` was put on the opt-out
#: list (``entry.source`` says how); ``reply`` is the ``SmsReply`` that asked, or None. Sent once
#: per entry: a replayed reply, or a number already listed, sends nothing.
number_opted_out = Signal()


def notify(signal: Signal, sender: Any, **kwargs: Any) -> None:
    """Send ``signal`` to every receiver; a receiver's error is logged, never raised.

    The app sends its signals after the outcome is recorded: a broken receiver must not turn a
    recorded outcome into an exception for the caller, nor keep the other receivers from running.
    """
    for receiver, response in signal.send_robust(sender=sender, **kwargs):
        if isinstance(response, Exception):
            logger.error(
                "Receiver %r of a django_tencent_sms signal failed",
                receiver,
                exc_info=response,
            )
