"""The signatures against their known-answer vectors: v5 (Tencent's documentation, reference §3)
and TC3-HMAC-SHA256 (reference §8.4)."""

import hashlib
import hmac

import pytest

from django_tencent_sms.protocol.signing import (
    tc3_authorization,
    tc3_canonical_request,
    tc3_date,
    tc3_signature,
    tc3_signing_key,
    tc3_string_to_sign,
    v5_signature,
)

APP_KEY = "5f03a35d00ee52a21327ab048186a2c4"
RANDOM = "7226249334"
TIME = 1457336869


def test_single_send_vector_from_the_sendsms_page():
    sig = v5_signature(APP_KEY, RANDOM, TIME, mobiles=["13788888888"])
    assert sig == "ecab4881ee80ad3d76bb1da68387428ca752eb885e52621a3129dcf4d9bc4fd4"


def test_multi_send_vector_joins_numbers_in_array_order():
    sig = v5_signature(APP_KEY, RANDOM, TIME, mobiles=["13788888888", "13788888889"])
    assert sig == "be66bb4aeb54701ed0637d0996a0b75111d5b8eda9b3a71bdc579a3d26f3edfb"
    swapped = v5_signature(APP_KEY, RANDOM, TIME, mobiles=["13788888889", "13788888888"])
    assert swapped != sig


def test_three_numbers():
    sig = v5_signature(APP_KEY, RANDOM, TIME, mobiles=["13788888888", "13788888889", "13788888890"])
    assert sig == "1696e4a21e42ce8929989d6b56482af664e982fc0fc9ef419e86dc3cd23ad3ba"


def test_no_mobile_form_for_pull_template_sign_and_statistics():
    sig = v5_signature(APP_KEY, RANDOM, TIME)
    assert sig == "c13e54f047ed75e821e698730c72d030dc30e5b510b3f8a0fb6fb7605283d7df"


def test_sendisms_tel_form_includes_the_plus():
    sig = v5_signature(APP_KEY, RANDOM, TIME, tel="+8613788888888")
    assert sig == "f272b136949f9e6faa5fae01cfc240caf5e6d89f2e18e8d47adf3d87ea0715fb"


def test_random_may_be_given_as_int():
    assert v5_signature(APP_KEY, int(RANDOM), TIME) == v5_signature(APP_KEY, RANDOM, TIME)


def test_mobiles_and_tel_together_are_refused():
    with pytest.raises(ValueError):
        v5_signature(APP_KEY, RANDOM, TIME, mobiles=["13788888888"], tel="+8613788888888")


def test_a_bare_string_is_not_taken_for_a_list_of_numbers():
    with pytest.raises(TypeError):
        v5_signature(APP_KEY, RANDOM, TIME, mobiles="13788888888")


# --- API 3.0: TC3-HMAC-SHA256, the known-answer vector of reference §8.4 ---------------------

TC3_SECRET_ID = "AKIDEXAMPLE"
TC3_SECRET_KEY = "SECRETKEYEXAMPLE"
TC3_TIMESTAMP = 1700000000
TC3_HOST = "sms.tencentcloudapi.com"
# The exact bytes of the vector's body (json.dumps with its default ASCII escapes).
TC3_BODY = (
    b'{"PhoneNumberSet": ["+8613711112222"], "SmsSdkAppId": "1400006666", "TemplateId": "1234", '
    b'"SignName": "\\u817e\\u8baf\\u4e91", "TemplateParamSet": ["1234"]}'
)
TC3_SIGNATURE = "bb4b11556c9c4f96e75d91560265a191320b900257eacc01bddc7f981787adde"


def test_tc3_vector_body_hash():
    assert (
        hashlib.sha256(TC3_BODY).hexdigest()
        == "c1a35a2addcd7e16b2fa28b92ed3fbd54ca900de4b6b426f11c05cd46c519a28"
    )


def test_tc3_vector_canonical_request():
    canonical = tc3_canonical_request(host=TC3_HOST, payload=TC3_BODY)
    assert canonical == (
        "POST\n/\n\ncontent-type:application/json\nhost:sms.tencentcloudapi.com\n\n"
        "content-type;host\nc1a35a2addcd7e16b2fa28b92ed3fbd54ca900de4b6b426f11c05cd46c519a28"
    )
    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == "bca068669bcbb25f188d4c07a9383b176d3c5f108d3cfb89bd55d357f51ad756"
    )


def test_tc3_vector_string_to_sign_and_date():
    assert tc3_date(TC3_TIMESTAMP) == "2023-11-14"
    canonical = tc3_canonical_request(host=TC3_HOST, payload=TC3_BODY)
    assert tc3_string_to_sign(TC3_TIMESTAMP, "sms", canonical) == (
        "TC3-HMAC-SHA256\n1700000000\n2023-11-14/sms/tc3_request\n"
        "bca068669bcbb25f188d4c07a9383b176d3c5f108d3cfb89bd55d357f51ad756"
    )


def test_tc3_vector_signature():
    canonical = tc3_canonical_request(host=TC3_HOST, payload=TC3_BODY)
    assert tc3_signature(TC3_SECRET_KEY, TC3_TIMESTAMP, "sms", canonical) == TC3_SIGNATURE


def test_tc3_derived_key_is_the_hmac_chain():
    k_date = hmac.new(b"TC3" + TC3_SECRET_KEY.encode(), b"2023-11-14", hashlib.sha256).digest()
    k_service = hmac.new(k_date, b"sms", hashlib.sha256).digest()
    k_signing = hmac.new(k_service, b"tc3_request", hashlib.sha256).digest()
    assert tc3_signing_key(TC3_SECRET_KEY, "2023-11-14", "sms") == k_signing


def test_tc3_vector_authorization_header():
    header = tc3_authorization(
        TC3_SECRET_ID,
        TC3_SECRET_KEY,
        timestamp=TC3_TIMESTAMP,
        service="sms",
        host=TC3_HOST,
        payload=TC3_BODY,
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDEXAMPLE/2023-11-14/sms/tc3_request, "
        f"SignedHeaders=content-type;host, Signature={TC3_SIGNATURE}"
    )
    assert TC3_SECRET_KEY not in header


def test_tc3_signature_covers_the_exact_bytes_host_and_time():
    def sign(**changes):
        args = {"host": TC3_HOST, "payload": TC3_BODY, **changes}
        timestamp = args.pop("timestamp", TC3_TIMESTAMP)
        return tc3_signature(TC3_SECRET_KEY, timestamp, "sms", tc3_canonical_request(**args))

    assert sign() == TC3_SIGNATURE
    # The same JSON value with raw UTF-8 instead of escapes is different bytes: another signature.
    assert sign(payload=TC3_BODY.replace(b"\\u817e\\u8baf\\u4e91", "腾讯云".encode())) != sign()
    assert sign(host="127.0.0.1:8765") != sign()
    assert sign(timestamp=TC3_TIMESTAMP + 1) != sign()


def test_tc3_date_is_utc():
    # 2023-11-14 23:59:59 UTC is already the 15th in China: the scope uses UTC.
    assert tc3_date(1700006399) == "2023-11-14"
    assert tc3_date(1700006400) == "2023-11-15"


def test_multi_send_signature_agrees_with_tencents_sdk_up_to_200_numbers():
    sdk_util = pytest.importorskip("qcloudsms_py.util")
    mobiles = [f"137{i:08d}" for i in range(200)]
    for count in (1, 2, 200):
        assert v5_signature(APP_KEY, RANDOM, TIME, mobiles=mobiles[:count]) == (
            sdk_util.calculate_signature(APP_KEY, RANDOM, TIME, mobiles[:count])
        )
    assert sdk_util.calculate_signature(APP_KEY, RANDOM, TIME, ["13788888888", "13788888889"]) == (
        "be66bb4aeb54701ed0637d0996a0b75111d5b8eda9b3a71bdc579a3d26f3edfb"
    )
