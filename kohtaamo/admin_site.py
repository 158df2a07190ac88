"""The one place of the Django admin's branding: its titles in the staff member's language."""

from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class KohtaamoAdminSite(AdminSite):
    """Django's admin site with Kohtaamo's name instead of "Django administration"."""

    site_header = _("Kohtaamo administration")
    site_title = _("Kohtaamo administration")
    index_title = _("Organisations, staff and desks")
