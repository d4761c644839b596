import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import django_tencent_sms
from django_tencent_sms.models import SmsReply, SmsTemplate, reply_text_hash
from django_tencent_sms.testing import SmsTestMixin


def test_param_count_and_render():
    template = SmsTemplate(name="t", tpl_id=1, text="{2} shipped order {1}; code {1}")
    assert template.param_count == 2
    assert template.render(["A1", "SF"]) == "SF shipped order A1; code A1"
    assert SmsTemplate(name="n", tpl_id=2, text="No parameters").param_count == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "code"),
    [("Hello {1} and {3}", "placeholders"), ("Hello {2}", "placeholders"), ("x" * 451, "too_long")],
)
def test_clean_refuses_what_tencent_would(text, code):
    with pytest.raises(ValidationError) as info:
        SmsTemplate(name="t", tpl_id=1, text=text).full_clean()
    assert info.value.error_dict["text"][0].code == code


@pytest.mark.django_db
def test_clean_accepts_a_good_template():
    SmsTemplate(name="t", tpl_id=1, text="您的验证码为{1}，{2}分钟内有效。").full_clean()


def test_sms_test_mixin_empties_the_outbox_before_the_test_and_chains_setup():
    class Base:
        def setUp(self):
            self.base_set_up = True

    class SomeTest(SmsTestMixin, Base):
        pass

    django_tencent_sms.outbox.append("left over from another test")
    test = SomeTest()
    test.setUp()
    assert django_tencent_sms.outbox == [] and test.base_set_up
    assert test.sms_outbox is django_tencent_sms.outbox


@pytest.mark.django_db
def test_template_errors_are_translated():
    from django.utils import translation

    with translation.override("zh-hans"):
        with pytest.raises(ValidationError) as info:
            SmsTemplate(name="t", tpl_id=1, text="Hello {2}").full_clean()
        # Lazy messages are rendered in the language active when they are read.
        assert info.value.message_dict["text"] == ["占位符必须按 {1}、{2}… 连续编号；当前为 {2}。"]


@pytest.mark.django_db(transaction=True)
def test_the_reply_hash_migration_fills_the_hash_of_stored_replies():
    before = [("tencent_sms", "0008_log_wider_sid_fee")]
    after = [("tencent_sms", "0009_reply_unique_by_text_hash")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("tencent_sms", "SmsReply")
        for text in ["OK", "退订"]:
            old.objects.create(phone="+8613711112222", text=text, replied_at="2026-01-01T00:00Z")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("tencent_sms"))
    hashes = dict(SmsReply.objects.values_list("text", "text_hash"))
    assert hashes == {"OK": reply_text_hash("OK"), "退订": reply_text_hash("退订")}
