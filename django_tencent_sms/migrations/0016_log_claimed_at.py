from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tencent_sms', '0015_unmatched_report'),
    ]

    operations = [
        migrations.AddField(
            model_name='smslog',
            name='claimed_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='taken by a worker'),
        ),
    ]
