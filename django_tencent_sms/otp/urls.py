"""URLs for signing in with an SMS code: the HTML pages and the JSON endpoints.

    # urls.py
    path("phone/", include("django_tencent_sms.otp.urls")),

=====================================  ============================  ===========================
URL (under the prefix)                 name                          view
=====================================  ============================  ===========================
``login/``                             ``tencent_sms:request-code``  ``RequestCodeView`` (login)
``login/verify/``                      ``tencent_sms:verify-code``   ``VerifyCodeView`` (login)
``api/csrf/``                          ``tencent_sms:api-csrf``      ``CsrfTokenView``
``api/request-code/``                  ``tencent_sms:api-request-code``  ``RequestCodeAPIView``
``api/verify-code/``                   ``tencent_sms:api-verify-code``   ``VerifyCodeAPIView``
=====================================  ============================  ===========================

The JSON endpoints accept only the purpose ``"login"``; for sign-up or changing a number, mount
subclasses with their own ``purpose``/``purposes`` (see ``django_tencent_sms.otp.views``). Signing
in needs ``django_tencent_sms.otp.auth.PhoneCodeBackend`` in ``AUTHENTICATION_BACKENDS``.
"""

from django.urls import path

from django_tencent_sms.otp import views

app_name = "tencent_sms"

urlpatterns = [
    path("login/", views.RequestCodeView.as_view(), name="request-code"),
    path("login/verify/", views.VerifyCodeView.as_view(), name="verify-code"),
    path("api/csrf/", views.CsrfTokenView.as_view(), name="api-csrf"),
    path("api/request-code/", views.RequestCodeAPIView.as_view(), name="api-request-code"),
    path("api/verify-code/", views.VerifyCodeAPIView.as_view(), name="api-verify-code"),
]
