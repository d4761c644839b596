"""``python -m django_tencent_sms.sandbox``: run the emulator (see ``cli.py`` for the options)."""

from __future__ import annotations

from django_tencent_sms.sandbox.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
