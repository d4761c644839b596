"""Tencent Cloud API 3.0 (SMS version 2021-01-11), one module per concern, all pure.

``action``: the endpoint, the TC3-signed request and the answer's envelope every action
shares; ``send``: ``SendSms``; ``pull``: ``PullSmsSendStatus`` and ``PullSmsReplyStatus``.
"""
