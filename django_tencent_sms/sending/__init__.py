"""Sending: one message or many, validate → log → backend → log → signals.

The public entry points are ``django_tencent_sms.send_sms`` (``api``) and
``django_tencent_sms.send_bulk`` (``bulk``). ``content`` checks what is sent (with
``validation`` and ``template_cache``), ``records`` writes the log, ``single`` and ``batch``
deliver one message or one batch and record its ``outcome``; ``pipeline`` overlaps a bulk
send's batches; ``background`` and ``batch.send_batch`` are the bodies of the tasks in
``django_tencent_sms.tasks``.
"""
