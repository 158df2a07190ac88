from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.sessions import stamp_session_at_login

        user_logged_in.connect(stamp_session_at_login, dispatch_uid="kohtaamo_stamp_session_at_login")
