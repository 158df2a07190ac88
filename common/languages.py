"""The languages Kohtaamo speaks: `settings.LANGUAGES` is their one list, read through here."""

from __future__ import annotations

from django.conf import settings


def language_codes() -> tuple[str, ...]:
    """The codes of settings.LANGUAGES, the default (settings.LANGUAGE_CODE) first."""
    codes = [code for code, _name in settings.LANGUAGES]
    return tuple(sorted(codes, key=lambda code: code != settings.LANGUAGE_CODE))


def is_supported(code: object) -> bool:
    return isinstance(code, str) and code in language_codes()


def supported_language(code: object) -> str:
    """`code` when Kohtaamo speaks it, else the default language."""
    return code if isinstance(code, str) and is_supported(code) else settings.LANGUAGE_CODE


def language_name(code: str) -> str:
    """The (translated) name of a language in settings.LANGUAGES, else the code itself."""
    return str(dict(settings.LANGUAGES).get(code, code))
