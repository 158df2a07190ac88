"""Which desk texts are written per language (django-modeltranslation).

A desk's name, its description for clients and its message when closed are
read by clients in their own language: `name` gets `name_fi`, `name_sv` and
`name_en` (likewise the others), and `desk.name` reads the active language's,
falling back to Finnish where a text is left empty (settings.MODELTRANSLATION_*).
Every name is required in every language (the admin form, `Desk.clean` and a
database constraint: desks.models), so a Swedish or English page never shows a
Finnish desk name. `desks.models.desk_names` gives them all at once, for events
that each reader shows in their own language.
"""

from modeltranslation.translator import TranslationOptions, register

from desks.models import Desk, OpeningException


@register(Desk)
class DeskTranslationOptions(TranslationOptions):
    fields = ("name", "description", "closed_message")
    required_languages = {"default": ("name",)}


@register(OpeningException)
class OpeningExceptionTranslationOptions(TranslationOptions):
    """The reason of a closure or special opening, read by clients in their language (Finnish where left empty)."""

    fields = ("reason",)
