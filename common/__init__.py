"""The bottom layer of the project: what every app may use and that uses no app.

- `common.events`: sending events to connected parties after commit (channel-layer groups).
- `common.ratelimit`: token buckets for protocol frames and the HTTP API.
"""
