"""URLs for signing in with an SMS code: the HTML pages and the JSON endpoints.

    # urls.py
    path("phone/", include("django_tencent_sms.otp.urls")),

======================  ==================================  ====================================
URL (under the prefix)  name                                view
======================  ==================================  ====================================
``login/``              ``tencent_sms:request-code``        ``views.RequestCodeView`` (login)
``login/verify/``       ``tencent_sms:verify-code``         ``views.VerifyCodeView`` (login)
``api/csrf/``           ``tencent_sms:api-csrf``            ``api.CsrfTokenView``
``api/request-code/``   ``tencent_sms:api-request-code``    ``api.RequestCodeAPIView``
``api/verify-code/``    ``tencent_sms:api-verify-code``     ``api.VerifyCodeAPIView``
======================  ==================================  ====================================

The JSON endpoints accept only the purpose ``"login"``; for sign-up or changing a number, mount
subclasses with their own ``purpose``/``purposes`` (see ``django_tencent_sms.otp.views`` and
``django_tencent_sms.otp.api``). Signing in needs ``django_tencent_sms.otp.auth.PhoneCodeBackend``
in ``AUTHENTICATION_BACKENDS``.
"""

from django.urls import path

from django_tencent_sms.otp import api, views

app_name = "tencent_sms"

urlpatterns = [
    path("login/", views.RequestCodeView.as_view(), name="request-code"),
    path("login/verify/", views.VerifyCodeView.as_view(), name="verify-code"),
    path("api/csrf/", api.CsrfTokenView.as_view(), name="api-csrf"),
    path("api/request-code/", api.RequestCodeAPIView.as_view(), name="api-request-code"),
    path("api/verify-code/", api.VerifyCodeAPIView.as_view(), name="api-verify-code"),
]
