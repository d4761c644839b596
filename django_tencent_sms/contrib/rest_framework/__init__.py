"""The code flow as Django REST framework endpoints: request a code, verify it.

    # urls.py
    path("api/phone/", include("django_tencent_sms.contrib.rest_framework.urls")),

``views.RequestCodeAPIView`` and ``views.VerifyCodeAPIView`` go through ``otp.send_code`` and,
for the check, ``PhoneCodeBackend`` / ``otp.check_code`` (the forms of ``otp.forms``), so every
cap, cooldown, number-type filter, budget and the send log apply. Errors are DRF's shape,
``{"detail": ..., "code": ...}`` plus ``field``, ``retry_after`` and ``attempts_left`` where
they apply (``errors``); a 429 always has ``Retry-After``. What a client gets after a right
code is ``VerifyCodeAPIView.verified()`` (by default the session is signed in), or the callable
named by the view's ``on_verified`` (tokens: see README "Django REST Framework").
Needs ``djangorestframework`` (the ``drf`` extra); the OpenAPI annotations need
``drf-spectacular`` and are skipped without it (``schema``).
"""
