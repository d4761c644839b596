"""Signals sent by the sending service.

``sms_sent(sender=SmsLog, log, result)``: Tencent accepted the message.
``sms_failed(sender=SmsLog, log, exception)``: the attempt failed, or its outcome is unknown
(``log.status`` says which).
"""

from django.dispatch import Signal

sms_sent = Signal()
sms_failed = Signal()
