from django.urls import path

from realtime.consumers import ClientConsumer, GuestConsumer, StaffConsumer

websocket_urlpatterns = [
    path("ws/client/", ClientConsumer.as_asgi()),
    path("ws/staff/", StaffConsumer.as_asgi()),
    path("ws/guest/", GuestConsumer.as_asgi()),
]
