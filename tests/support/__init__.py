"""What tests share: event capture, query counts, typed demo data and factories.

- `capture_events(expected=N)`: the events actions send after commit (tests.support.events);
- `assert_num_queries(n)`: how many SQL statements a block runs (tests.support.queries);
- `Demo`: the demo staff by role and desks (the `demo` fixture; tests.support.demo);
- factories for organisations, staff, desks, clients and conversations (tests.support.factories).

The protocol client's helpers (`answer`, `wait_for`, `say`) are on
tests.wsclient.ProtocolClient; real processes are started with tests.processes.
"""

from tests.support.demo import Demo, DemoDesks, DemoStaff
from tests.support.events import EventCapture, capture_events, use_channel_layer
from tests.support.queries import assert_num_queries

__all__ = [
    "Demo",
    "DemoDesks",
    "DemoStaff",
    "EventCapture",
    "assert_num_queries",
    "capture_events",
    "use_channel_layer",
]
