"""django-two-factor-auth's phone methods on this app: a gateway and its middleware.

    # settings.py (needs the ``two-factor`` extra)
    TWO_FACTOR_SMS_GATEWAY = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
    TWO_FACTOR_CALL_GATEWAY = "django_tencent_sms.contrib.two_factor.TencentSmsGateway"
    MIDDLEWARE = [..., "django_tencent_sms.contrib.two_factor.GatewayRequestMiddleware"]
    TENCENT_SMS_TWO_FACTOR = {"TEMPLATE": "login-code"}   # else OTP["TEMPLATE"]

two_factor makes the tokens; the gateway sends them with ``otp.send_given_code``, under the
same limits as this app's codes, and turns a refusal into a message on the page. Nothing here
imports two_factor until a token is refused inside a wizard.
"""

from django_tencent_sms.contrib.two_factor.gateway import CodeNotSent, TencentSmsGateway
from django_tencent_sms.contrib.two_factor.middleware import GatewayRequestMiddleware

__all__ = ["CodeNotSent", "GatewayRequestMiddleware", "TencentSmsGateway"]
