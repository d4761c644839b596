"""Signals sent by the sending service.

``sms_sent(sender=SmsLog, log, result)``: Tencent accepted the message.
``sms_failed(sender=SmsLog, log, exception)``: the attempt failed, or its outcome is unknown
(``log.status`` says which).
"""

from django.dispatch import Signal

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

# Delivery reports and replies (django_tencent_sms.reports.apply): from Tencent's callbacks or from
# `manage.py tencent_sms_pull_status`.
#: ``sms_delivery_report(sender=SmsLog, log, report)``: ``log`` was updated from ``report`` (a
#: ``protocol.reports.DeliveryReport``); ``log.status`` is now delivered or undelivered. Not sent
#: for a replayed or older report, which changes nothing.
sms_delivery_report = Signal()
#: ``sms_reply_received(sender=SmsReply, reply)``: a person's reply was stored (once: a replayed
#: push or an overlapping pull does not send it again).
sms_reply_received = Signal()
