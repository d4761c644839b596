"""The URLs Tencent pushes to: delivery reports and replies.

    # urls.py
    path("sms/", include("django_tencent_sms.reports.urls")),

=====================================  ====================================  =====================
URL (under the prefix)                 name                                  view
=====================================  ====================================  =====================
``callbacks/status/<token>/``          ``tencent_sms_callbacks:status``      ``DeliveryReportView``
``callbacks/reply/<token>/``           ``tencent_sms_callbacks:reply``       ``ReplyView``
=====================================  ====================================  =====================

``<token>`` is ``TENCENT_SMS["CALLBACK_TOKEN"]``: enter the full URLs, token included, in
Tencent's SMS console (status callback and reply callback). The same paths without a token
answer 403, as a wrong token does.
"""

from django.urls import path

from django_tencent_sms.reports import callbacks

app_name = "tencent_sms_callbacks"

urlpatterns = [
    path("callbacks/status/<str:token>/", callbacks.DeliveryReportView.as_view(), name="status"),
    path("callbacks/status/", callbacks.DeliveryReportView.as_view(), name="status-no-token"),
    path("callbacks/reply/<str:token>/", callbacks.ReplyView.as_view(), name="reply"),
    path("callbacks/reply/", callbacks.ReplyView.as_view(), name="reply-no-token"),
]
