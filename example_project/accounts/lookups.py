from .models import Profile


def user_for_phone(phone):
    """Who signs in with ``phone``: ``TENCENT_SMS["OTP"]["USER_LOOKUP"]`` names this function.

    ``phone`` is a verified ``PhoneNumber``; return the user or None.
    """
    profile = Profile.objects.select_related("user").filter(phone=phone).first()
    return profile.user if profile else None
