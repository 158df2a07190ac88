"""Staff login in two steps: password, then a TOTP code for roles that need one."""

from __future__ import annotations

import base64
import io

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.actions import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    THROTTLE_SESSION_KEY,
    LoginRefused,
    check_otp,
    check_password_login,
    device_cookie_value,
    do_confirm_device,
    get_or_create_unconfirmed_device,
    session_throttle_key,
    throttle_key,
)
from accounts.hashing import PasswordChecksBusy
from accounts.models import Role, Staff


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), max_length=200, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OtpForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


# Where to go after the second factor (the `next` of the login page), kept in the session.
NEXT_KEY = "kohtaamo_next"


def _next_url(request: HttpRequest) -> str | None:
    """The login page's `next`, if it is a page of this site (never another site)."""
    candidate = request.POST.get("next") or request.GET.get("next")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return None


def _start_page(user: object) -> str:
    """Where a staff member lands after login: content editors answer no clients, so the chatbot's brain."""
    if isinstance(user, Staff) and user.role == Role.EDITOR and not user.may_answer:
        return "brain:list"
    return "console:home"


def _next_page(request: HttpRequest) -> HttpResponse:
    return redirect(request.session.pop(NEXT_KEY, None) or _start_page(request.user))


def _after_login(request: HttpRequest, staff: Staff) -> HttpResponse:
    """The login is complete: go on, and mark this browser as one where `staff` logs in (accounts.actions)."""
    response = _next_page(request)
    response.set_cookie(
        DEVICE_COOKIE,
        device_cookie_value(staff.username),
        max_age=DEVICE_COOKIE_MAX_AGE,
        path=reverse("accounts:login"),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )
    return response


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    """The password step. Every refusal reads the same (accounts.actions); "busy" (503) when this
    process's password checks are all taken (accounts.hashing, which says why this view stays sync)."""
    user = request.user
    next_url = _next_url(request)
    if isinstance(user, Staff) and (not user.requires_2fa or user.is_verified()):  # type: ignore[attr-defined]
        return redirect(next_url or _start_page(user))
    form = LoginForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        key = throttle_key(username, request.COOKIES.get(DEVICE_COOKIE))
        try:
            staff = check_password_login(request, username, form.cleaned_data["password"], key)
        except LoginRefused as refused:
            form.add_error(None, refused.message)
        except PasswordChecksBusy:
            form.add_error(None, _("The service is busy. Try again in a moment."))
            status = 503
        else:
            login(request, staff, backend="django.contrib.auth.backends.ModelBackend")
            request.session[THROTTLE_SESSION_KEY] = key
            if next_url:
                request.session[NEXT_KEY] = next_url
            if staff.requires_2fa:
                has_device = TOTPDevice.objects.filter(user=staff, confirmed=True).exists()
                return redirect("accounts:otp" if has_device else "accounts:otp_setup")
            return _after_login(request, staff)
    expired = request.GET.get("expired") == "1"
    response = render(request, "accounts/login.html", {"form": form, "expired": expired}, status=status)
    if status == 503:
        response["Retry-After"] = "5"
    return response


def _second_factor_passed(request: HttpRequest, device: TOTPDevice) -> None:
    """Mark the session verified and give it a new key: a key seen before the second factor is worthless after it."""
    otp_login(request, device)
    request.session.cycle_key()


def _password_checked(request: HttpRequest) -> Staff | None:
    """The staff member who has passed the password step, None before it."""
    if not request.user.is_authenticated:
        return None
    assert isinstance(request.user, Staff)
    return request.user


@require_http_methods(["GET", "POST"])
def otp_view(request: HttpRequest) -> HttpResponse:
    staff = _password_checked(request)
    if staff is None:
        return redirect("accounts:login")
    if staff.is_verified():  # type: ignore[attr-defined]
        return _next_page(request)
    if not TOTPDevice.objects.filter(user=staff, confirmed=True).exists():
        return redirect("accounts:otp_setup")
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = check_otp(staff, form.cleaned_data["token"], session_throttle_key(request.session, staff))
        except LoginRefused as refused:
            form.add_error("token", refused.message)
        else:
            _second_factor_passed(request, device)
            return _after_login(request, staff)
    return render(request, "accounts/otp.html", {"form": form})


def _qr_svg_data_uri(text: str) -> str:
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@require_http_methods(["GET", "POST"])
def otp_setup_view(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: show the secret as a QR code and confirm one code."""
    staff = _password_checked(request)
    if staff is None:
        return redirect("accounts:login")
    if TOTPDevice.objects.filter(user=staff, confirmed=True).exists():
        return redirect("accounts:otp")
    device = get_or_create_unconfirmed_device(staff)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_confirm_device(staff, device, form.cleaned_data["token"], session_throttle_key(request.session, staff))
        except LoginRefused as refused:
            form.add_error("token", refused.message)
        else:
            _second_factor_passed(request, device)
            return _after_login(request, staff)
    secret = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return render(
        request,
        "accounts/otp_setup.html",
        {"form": form, "qr": _qr_svg_data_uri(device.config_url), "secret": secret},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")
