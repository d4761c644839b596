"""Tencent's side of the account: what Tencent knows and the site otherwise would not.

Template and signature review status, Tencent's own send and delivery statistics, the package
balance, per-number records, opt-outs. Each part works on both backends (the legacy v5 API and
API 3.0) through the same backend methods, and the emulator serves every endpoint involved.
The endpoints, fields and codes each part relies on are written down in ``docs/tencent-api/``.
"""
