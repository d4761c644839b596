"""Sending: one message or many, validate → log → backend → log → signals.

The public entry points are ``django_tencent_sms.send_sms`` (``api``) and
``django_tencent_sms.send_bulk`` (``bulk``).
"""
