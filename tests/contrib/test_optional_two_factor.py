"""The app works without django-two-factor-auth: no module imports it, ``contrib.two_factor``
included, and its checks run (and name the gateway's mistakes) in a process without it.

A subprocess imports every module of the package with ``two_factor`` and ``django_otp`` made
unimportable, then runs the system checks with the gateway named in settings.
"""

from tests.contrib.without import imported, run_without

THEN = r"""
from django.test.utils import override_settings
from django_tencent_sms.contrib.two_factor.checks import check_two_factor

with override_settings(
    TWO_FACTOR_SMS_GATEWAY="django_tencent_sms.contrib.two_factor.TencentSmsGateway",
    TENCENT_SMS_TWO_FACTOR={"PURPOSE": "Not Valid"},
):
    print("ids", sorted(m.id for m in check_two_factor()))
"""


def test_no_module_imports_two_factor_and_the_checks_run_without_it():
    done = run_without(
        {"two_factor", "django_otp"}, skipped={"django_tencent_sms.contrib.allauth"}, then=THEN
    )
    assert done.returncode == 0, done.stderr
    # No template (tests.settings has no OTP one), no middleware, and the wrong purpose.
    assert "ids ['tencent_sms.E060', 'tencent_sms.E061', 'tencent_sms.W060']" in done.stdout
    assert imported(done) > 100  # the whole package, not an early stop
