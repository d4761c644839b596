"""The app's tables: templates, the send log, verification codes, replies and opt-outs.

One module per table family; everything is importable from here, as Django and the rest of the
app expect (``from django_tencent_sms.models import SmsLog``).
"""

from django_tencent_sms.models.codes import CodeRefusal, VerificationCode
from django_tencent_sms.models.log import SmsLog
from django_tencent_sms.models.optouts import SmsOptOut
from django_tencent_sms.models.replies import SmsReply, reply_text_hash
from django_tencent_sms.models.review import Reach, ReviewStatus
from django_tencent_sms.models.rollup import SmsDailyStat, SmsStatsState
from django_tencent_sms.models.signs import SmsSign
from django_tencent_sms.models.templates import (
    MAX_CONTENT_LENGTH,
    MAX_FEE,
    MAX_RESULT,
    SmsTemplate,
    placeholder_numbers,
)
from django_tencent_sms.models.unmatched import UnmatchedReport

__all__ = [
    "MAX_CONTENT_LENGTH",
    "MAX_FEE",
    "MAX_RESULT",
    "CodeRefusal",
    "Reach",
    "ReviewStatus",
    "SmsDailyStat",
    "SmsLog",
    "SmsOptOut",
    "SmsReply",
    "SmsSign",
    "SmsStatsState",
    "SmsTemplate",
    "UnmatchedReport",
    "VerificationCode",
    "placeholder_numbers",
    "reply_text_hash",
]
