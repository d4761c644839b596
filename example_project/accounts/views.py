"""Sign-up and change of number: the app's code views, subclassed with another ``purpose``.

Signing in needs no code here: ``django_tencent_sms.otp.urls`` serves it (see ../urls.py).
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from django_tencent_sms.otp.session import verified_phone
from django_tencent_sms.otp.views import RequestCodeView, VerifyCodeView

from .forms import SignupForm
from .models import Profile

# Sign up: verify a number, then choose a username ------------------------------------------


class SignupView(RequestCodeView):
    purpose = "signup"
    title = gettext_lazy("Create an account with your phone number")
    verify_url_name = "signup-verify"


class SignupVerifyView(VerifyCodeView):
    purpose = "signup"
    request_url_name = "signup"
    # The default code_verified() records the number as verified in the session, for
    # verified_phone(), and redirects here.
    success_url = reverse_lazy("signup-finish")


def signup_finish(request):
    phone = verified_phone(request, "signup")
    if phone is None:  # never verified, or over 15 minutes ago
        return redirect("signup")
    form = SignupForm(
        request.POST or None, phone=phone, initial={"username": str(phone.national_number)}
    )
    if form.is_valid():
        try:
            user = form.save()
        except IntegrityError:  # the same name or number, taken a moment ago
            form.add_error(None, _("That was taken a moment ago: please try again."))
        else:
            verified_phone(request, "signup", consume=True)
            login(request, user, backend="django_tencent_sms.otp.auth.PhoneCodeBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("home")
    return render(request, "accounts/signup_finish.html", {"form": form, "phone": phone})


# Change my number: verify the new one, then save it -----------------------------------------


class ChangePhoneView(LoginRequiredMixin, RequestCodeView):
    purpose = "change-phone"
    title = gettext_lazy("Change your phone number")
    verify_url_name = "change-phone-verify"


class ChangePhoneVerifyView(LoginRequiredMixin, VerifyCodeView):
    purpose = "change-phone"
    request_url_name = "change-phone"
    success_url = reverse_lazy("home")

    def code_verified(self, form):
        phone = form.cleaned_data["phone"]
        try:
            Profile.objects.update_or_create(user=self.request.user, defaults={"phone": phone})
        except IntegrityError:  # Profile.phone is unique
            messages.error(self.request, _("This number belongs to another account."))
            return redirect("change-phone")
        messages.success(
            self.request, _("Your number is now %(phone)s.") % {"phone": phone.as_international}
        )
        return redirect(self.get_success_url())
