"""URLs of the DRF endpoints of the code flow.

    path("api/phone/", include("django_tencent_sms.contrib.rest_framework.urls")),

``request-code/`` (``tencent_sms_drf:request-code``), ``verify-code/``
(``tencent_sms_drf:verify-code``), and ``csrf/`` (``tencent_sms_drf:csrf``: the CSRF token and
cookie, for session clients). For a token in the answer, mount ``VerifyCodeAPIView`` with an
``on_verified`` of your own (README "Django REST Framework").
"""

from django.urls import path

from django_tencent_sms.contrib.rest_framework import views
from django_tencent_sms.otp.api import CsrfTokenView

app_name = "tencent_sms_drf"

urlpatterns = [
    path("request-code/", views.RequestCodeAPIView.as_view(), name="request-code"),
    path("verify-code/", views.VerifyCodeAPIView.as_view(), name="verify-code"),
    path("csrf/", CsrfTokenView.as_view(), name="csrf"),
]
