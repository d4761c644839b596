"""SmsReply's unique constraint by a hash of the text: any length, exact on every database."""

import hashlib

from django.db import migrations, models


def fill_text_hash(apps, schema_editor):
    SmsReply = apps.get_model("tencent_sms", "SmsReply")
    db = schema_editor.connection.alias
    replies = SmsReply.objects.using(db).only("pk", "text")
    for reply in replies.iterator(chunk_size=1000):
        reply.text_hash = hashlib.sha256(reply.text.encode("utf-8", "surrogatepass")).hexdigest()
        reply.save(update_fields=["text_hash"])


class Migration(migrations.Migration):

    dependencies = [
        ('tencent_sms', '0008_log_wider_sid_fee'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='smsreply',
            name='tencent_sms_reply_once',
        ),
        migrations.AddField(
            model_name='smsreply',
            name='text_hash',
            field=models.CharField(default='', editable=False, max_length=64, verbose_name='text hash'),
            preserve_default=False,
        ),
        migrations.RunPython(fill_text_hash, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name='smsreply',
            constraint=models.UniqueConstraint(fields=('phone', 'replied_at', 'text_hash'), name='tencent_sms_reply_once'),
        ),
    ]
