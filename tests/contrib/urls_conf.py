"""URLs for the DRF tests: the shipped endpoints, token variants as the README mounts them, and
endpoints that need a signed-in user, to use what verification handed out."""

from django.urls import include, path
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from django_tencent_sms.contrib.rest_framework.views import RequestCodeAPIView, VerifyCodeAPIView
from tests.contrib import recipes


class Me(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"username": request.user.get_username()})

    def post(self, request):
        return Response({"username": request.user.get_username(), "posted": True})


class OnePerHour(AnonRateThrottle):
    rate = "1/hour"


class MultiVerify(VerifyCodeAPIView):
    purposes = ("login", "signup")


urlpatterns = [
    path("api/phone/", include("django_tencent_sms.contrib.rest_framework.urls")),
    path(
        "api/jwt/verify-code/",
        VerifyCodeAPIView.as_view(
            on_verified=recipes.jwt_tokens, authentication_classes=[JWTAuthentication]
        ),
    ),
    path(
        "api/token/verify-code/",
        VerifyCodeAPIView.as_view(
            on_verified="tests.contrib.recipes.drf_token",
            authentication_classes=[TokenAuthentication],
        ),
    ),
    path("api/multi/verify-code/", MultiVerify.as_view()),
    path("api/throttled/request-code/", RequestCodeAPIView.as_view(throttle_classes=[OnePerHour])),
    path("me/jwt/", Me.as_view(authentication_classes=[JWTAuthentication])),
    path("me/token/", Me.as_view(authentication_classes=[TokenAuthentication])),
    path("me/session/", Me.as_view(authentication_classes=[SessionAuthentication])),
]
