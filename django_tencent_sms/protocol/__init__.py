"""Tencent's wire formats as pure functions: signing, billing, the v5 and API 3.0 requests and
answers, and the reports both push and hand out. No settings, clock, randomness or database."""
