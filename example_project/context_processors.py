from django.conf import settings


def sandbox(request):
    """In development, where to read the messages the site "sent": the emulator's inbox."""
    url = getattr(settings, "SANDBOX_URL", None)
    return {"sandbox_inbox_url": f"{url}/_sandbox/inbox" if settings.DEBUG and url else None}
