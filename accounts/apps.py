from django.apps import AppConfig


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from accounts.sessions import close_sockets_at_logout, stamp_session_at_login

        user_logged_in.connect(stamp_session_at_login, dispatch_uid="kohtaamo_stamp_session_at_login")
        user_logged_out.connect(close_sockets_at_logout, dispatch_uid="kohtaamo_close_sockets_at_logout")
