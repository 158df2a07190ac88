"""Date and time formats of Kohtaamo's language versions (settings.FORMAT_MODULE_PATH).

A Finnish service keeps Finland's conventions in every language: a 24-hour
clock and the day before the month. Finnish needs nothing here (Django's `fi`
formats are already so); Swedish follows Finland-Swedish usage (14.30,
7.12.2026) rather than Sweden's (14:30, 2026-12-07); English keeps the day
first and the 24-hour clock with a colon (14:30, 7.12.2026), as English pages
of Finnish services do. The pages' scripts follow the same rules
(static/kohtaamo/text.js: timeFormatter).
"""
