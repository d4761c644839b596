"""Tencent's wire formats as pure functions: no settings, clock, randomness or database.

``signing`` and ``billing``; ``v5`` (the legacy API) and ``tc3`` (API 3.0) build requests and
read answers; ``reports`` has the shapes of what Tencent says after a send, ``callbacks`` and
``fields`` read its pushed shape.
"""
