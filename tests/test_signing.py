"""The v5 signature against the known-answer vectors of Tencent's documentation."""

import pytest

from django_tencent_sms.signing import v5_signature

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
