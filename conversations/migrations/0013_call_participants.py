"""A call's participants as a set (issue 14: a guest joins the call; calls with more than two people).

The existing calls get their participants from who started and who answered; the
one "gone" participant becomes a map of peers whose socket closed.
"""

from typing import Any

from django.db import migrations, models


def fill_participants(apps: Any, schema_editor: Any) -> None:
    Call = apps.get_model("conversations", "Call")
    for call in Call.objects.all().iterator():
        call.participants = [peer for peer in (call.started_by, call.answered_by) if peer]
        call.gone = {call.gone_peer: call.gone_at.isoformat()} if call.gone_peer and call.gone_at else {}
        call.save(update_fields=["participants", "gone"])


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0012_call_presence"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="participants",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="call",
            name="gone",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(fill_participants, migrations.RunPython.noop),
        migrations.RemoveField(model_name="call", name="gone_peer"),
        migrations.RemoveField(model_name="call", name="gone_at"),
    ]
