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

from django.urls import path, register_converter

from django_tencent_sms.reports import callbacks

# A token that error reports do not show (see ``callbacks.CallbackToken``).
register_converter(callbacks.TokenConverter, "tencent_sms_token")

app_name = "tencent_sms_callbacks"

urlpatterns = [
    path(
        "callbacks/status/<tencent_sms_token:token>/",
        callbacks.DeliveryReportView.as_view(),
        name="status",
    ),
    path("callbacks/status/", callbacks.DeliveryReportView.as_view(), name="status-no-token"),
    path("callbacks/reply/<tencent_sms_token:token>/", callbacks.ReplyView.as_view(), name="reply"),
    path("callbacks/reply/", callbacks.ReplyView.as_view(), name="reply-no-token"),
]
