"""The template tags of the admin pages (``tencent_sms_admin``)."""
