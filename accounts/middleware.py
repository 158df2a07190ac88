"""Staff sessions expire when idle, and admins and supervisors pass TOTP before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.sessions import session_is_fresh, touch_session

# Pages a half-logged-in admin may reach: the second-factor steps and logging out.
OTP_EXEMPT_URL_NAMES = {"accounts:otp", "accounts:otp_setup", "accounts:logout", "set_language"}


def _url_name(request: HttpRequest) -> str:
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return ""
    return match.view_name


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if not session_is_fresh(request.session):
                logout(request)
                return redirect(reverse("accounts:login") + "?expired=1")
            touch_session(request.session)
            needs_otp = getattr(user, "requires_2fa", False) and not user.is_verified()  # type: ignore[attr-defined]
            if needs_otp and not request.path_info.startswith("/static/"):
                if _url_name(request) not in OTP_EXEMPT_URL_NAMES:
                    has_device = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
                    return redirect("accounts:otp" if has_device else "accounts:otp_setup")
        return self.get_response(request)
