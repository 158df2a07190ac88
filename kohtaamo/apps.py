"""The Django admin as Kohtaamo's (settings.INSTALLED_APPS lists this instead of django.contrib.admin)."""

from django.contrib.admin.apps import AdminConfig


class KohtaamoAdminConfig(AdminConfig):
    """The admin app with Kohtaamo's site (kohtaamo/admin_site.py) as `admin.site`.

    Why here: Django builds the default site from this setting, so every
    `admin.register` in the apps lands on the branded site without naming it.
    """

    default_site = "kohtaamo.admin_site.KohtaamoAdminSite"

    def ready(self) -> None:
        super().ready()
        from kohtaamo.admin_site import label_fields

        label_fields()
