"""Forms of the staff console: canned replies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from conversations.actions.canned import TITLE_MAX_CHARS
from desks.models import Desk

PERSONAL = "personal"


class CannedReplyForm(forms.Form):
    """A canned reply's text; on creation also whether it is personal or shared at a desk."""

    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_CHARS,
        error_messages={"required": _("Give the reply a title.")},
    )
    body = forms.CharField(
        label=_("Text"),
        max_length=settings.CHAT_MAX_MESSAGE_CHARS,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the text of the reply.")},
    )
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    scope = forms.ChoiceField(label=_("Who can use it"), required=True)

    def __init__(
        self, *args: Any, shared_desks: QuerySet[Desk] | None = None, with_scope: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # The limits are the actions' (conversations.actions.canned), said in the page's language.
        self.fields["title"].help_text = gettext("A short name you pick it by, at most %(count)s characters.") % {
            "count": TITLE_MAX_CHARS
        }
        self.fields["body"].help_text = gettext(
            "The text that goes into the message box, at most %(count)s characters."
        ) % {"count": settings.CHAT_MAX_MESSAGE_CHARS}
        desks = list(shared_desks) if shared_desks is not None else []
        self.desks = {str(d.pk): d for d in desks}
        if not with_scope or not desks:
            # Counsellors and volunteers only make personal replies; an edit keeps the scope.
            del self.fields["scope"]
        else:
            choices = [(PERSONAL, _("Only me"))] + [
                (str(d.pk), _("Everyone at %(desk)s") % {"desk": d.name}) for d in desks
            ]
            scope = self.fields["scope"]
            assert isinstance(scope, forms.ChoiceField)
            scope.choices = choices
            scope.initial = PERSONAL

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError(_("Give the reply a title."))
        return title

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if not body:
            raise forms.ValidationError(_("Write the text of the reply."))
        return body

    def chosen_desk(self) -> Desk | None:
        """The desk a new reply is shared at, or None for a personal one."""
        scope = self.cleaned_data.get("scope") or PERSONAL
        return self.desks.get(scope)
