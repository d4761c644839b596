"""Who may ask for a code, by kind: the number's region and type, and the client network it is
counted by.

Codes go only to the kinds of number that receive them (``OTP["NUMBER_TYPES"]``: mobile ones by
default); premium-rate, toll-free, VoIP and the like are where SMS pumping is paid, and are
refused before anything is written or sent. Per-IP caps count an IPv6 client by its network
(``OTP["IPV6_PREFIX"]``, a /64 by default: one subscriber's, which a script can spread its
requests over), an IPv4 client by its address.
"""

from __future__ import annotations

import ipaddress
from typing import Any

import phonenumbers
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from django_tencent_sms.conf import sms_settings
from django_tencent_sms.exceptions import CodeRequestRefused
from django_tencent_sms.sending.validation import normalize_phone

__all__ = ["allowed_number", "check_number_type", "counted_ip"]


def check_number_type(number: phonenumbers.PhoneNumber, conf: dict[str, Any]) -> None:
    """``CodeRequestRefused(code="number_type")`` unless ``number`` is of an allowed type."""
    allowed = {getattr(phonenumbers.PhoneNumberType, name) for name in conf["NUMBER_TYPES"]}
    if phonenumbers.number_type(number) not in allowed:
        raise CodeRequestRefused(
            _("Codes can only be sent to mobile numbers."),
            code="number_type",
        )


def counted_ip(ip: str | None, conf: dict[str, Any]) -> str | None:
    """The address a code's request is recorded and counted by: an IPv4 address as it is (an
    IPv4-mapped IPv6 one as IPv4), an IPv6 one as its ``IPV6_PREFIX`` network's first address.
    Text that is no address is returned as it is."""
    if ip is None:
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, conf["IPV6_PREFIX"]), strict=False)
        return str(network.network_address)
    return str(address)


def allowed_number(phone: Any, conf: dict[str, Any], region: str | None = None) -> PhoneNumber:
    """``phone`` normalised; ``CodeRequestRefused`` when its region or its type (premium-rate,
    VoIP, …: ``NUMBER_TYPES``) may not receive codes."""
    number = normalize_phone(phone, region or sms_settings.DEFAULT_REGION)
    regions = conf["ALLOWED_REGIONS"]
    if regions is not None and phonenumbers.region_code_for_number(number) not in set(regions):
        raise CodeRequestRefused(
            _("Codes cannot be sent to numbers in this country or region."),
            code="region_not_allowed",
        )
    check_number_type(number, conf)
    return number
