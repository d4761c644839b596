"""The token recipes of README "Django REST Framework", as a site would write them."""

from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.tokens import RefreshToken


def drf_token(request, *, user, phone, purpose):
    token, _ = Token.objects.get_or_create(user=user)
    return {"token": token.key}


def jwt_tokens(request, *, user, phone, purpose):
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}
