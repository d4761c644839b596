"""Signature formulas of Tencent's SMS APIs.

Pure functions: every input, including the time and the random value, is passed in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["v5_signature"]


def v5_signature(
    app_key: str,
    random: str | int,
    time: int,
    *,
    mobiles: Sequence[str] = (),
    tel: str | None = None,
) -> str:
    """Return the ``sig`` of a legacy (``/v5/tlssmssvr``) request.

    The pre-image is ``appkey=…&random=…&time=…`` followed by

    * ``&mobile=m1,m2,…`` when ``mobiles`` is given (``sendsms`` takes one number,
      ``sendmultisms2`` all of them, comma-joined in the order of the ``tel`` array);
    * ``&tel=+8613…`` when ``tel`` is given (``sendisms``);
    * nothing for the status, template, sign and statistics endpoints.

    ``random`` must be the same string as the URL's ``random`` and ``time`` the body's ``time``.
    """
    if mobiles and tel is not None:
        raise ValueError("a v5 signature covers either mobiles or tel, not both")
    if isinstance(mobiles, str):
        raise TypeError("mobiles must be a sequence of numbers, not a single string")
    pre_image = f"appkey={app_key}&random={random}&time={int(time)}"
    if mobiles:
        pre_image += "&mobile=" + ",".join(mobiles)
    elif tel is not None:
        pre_image += "&tel=" + tel
    return hashlib.sha256(pre_image.encode("utf-8")).hexdigest()
