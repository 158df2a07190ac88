"""Which desks a site's chat shows: the organisation and desks named by the embed or a link.

A municipality's site shows its own youth line and the regional lines, a
school's page links straight to homework help: the embed script passes
`org`, `desks` (and `desk`, one desk for a deep link) as query parameters to
the client page, which lists only the desks chosen here.

This is a presentation filter, not a security boundary: anybody can change the
query string, and `start` admits a client to any active desk
(conversations.actions.starting.check_start). What the filter keeps out of the
list is only kept out of sight.

The parameters come from another site's HTML, so they are read defensively:
each value's length and characters are checked, and anything unknown, inactive
or malformed is left out and described in `warnings` (English, for the site's
developer, shown in the browser's console), never as an error to the client.
When nothing matches, every active desk is listed, as without parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import QuerySet

from desks.models import Desk

# A slug as Django's SlugField accepts it (letters, digits, hyphens, underscores), at most as long as the field.
SLUG_RE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
# At most so many desks in `desks`; a longer parameter is cut there (with a warning).
MAX_DESKS = 20
# A parameter longer than this is not read at all (a comma list of MAX_DESKS full slugs fits).
MAX_PARAMETER_CHARS = MAX_DESKS * 51


@dataclass(frozen=True)
class DeskSelection:
    """The desks to list, the cleaned parameters to carry along (language links), and what was ignored."""

    desks: QuerySet[Desk]
    # The parameters that were understood, to keep in links of the same page (e.g. the language links).
    params: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    # True when the parameters narrowed the list (a deep link or an embed's choice).
    narrowed: bool = False


def _slugs(name: str, raw: str, warnings: list[str]) -> list[str]:
    """The valid slugs of a comma-separated parameter, in their order, each once."""
    if len(raw) > MAX_PARAMETER_CHARS:
        warnings.append(f"Kohtaamo: the parameter {name} is longer than {MAX_PARAMETER_CHARS} characters; ignored.")
        return []
    slugs: list[str] = []
    for part in raw.split(","):
        slug = part.strip()
        if not slug:
            continue
        if not SLUG_RE.match(slug):
            shown = repr(slug[:60])[:80]  # a short, quoted, escaped echo: the value is another site's
            warnings.append(f"Kohtaamo: {name} {shown} is not a slug (letters, digits, - and _); ignored.")
        elif slug not in slugs:
            slugs.append(slug)
    if len(slugs) > MAX_DESKS:
        warnings.append(f"Kohtaamo: {name} names more than {MAX_DESKS} desks; the rest are ignored.")
        slugs = slugs[:MAX_DESKS]
    return slugs


def select_desks(params: Mapping[str, str], *, desk: str = "") -> DeskSelection:
    """The active desks a page asked for with `org`, `desks` and `desk` (`desk`: a deep link's slug).

    The rule: desks named (by `desk` or `desks`) are listed, whatever their
    organisation (a municipality lists its own line and a regional one);
    with only an organisation, its desks; when none of these is found (or
    nothing is asked), every active desk. Always in the desks' own order.
    """
    warnings: list[str] = []
    active = Desk.objects.filter(is_active=True)
    named = _slugs("desk", desk or params.get("desk", ""), warnings)[:1]
    if not named:
        named = _slugs("desks", params.get("desks", ""), warnings)
    org_slugs = _slugs("org", params.get("org", ""), warnings)[:1]
    kept: dict[str, str] = {}

    if named:
        found = set(active.filter(slug__in=named).values_list("slug", flat=True))
        warnings.extend(f"Kohtaamo: no active desk {slug!r}; ignored." for slug in named if slug not in found)
        if found:
            chosen = [slug for slug in named if slug in found]
            kept["desks"] = ",".join(chosen)
            return DeskSelection(active.filter(slug__in=chosen), kept, tuple(warnings), narrowed=True)
    if org_slugs:
        of_org = active.filter(organisation__slug=org_slugs[0])
        if of_org.exists():
            kept["org"] = org_slugs[0]
            return DeskSelection(of_org, kept, tuple(warnings), narrowed=True)
        warnings.append(f"Kohtaamo: no organisation {org_slugs[0]!r} with active desks; ignored.")
    if named or org_slugs:
        warnings.append("Kohtaamo: nothing matched; every desk is shown.")
    return DeskSelection(active, kept, tuple(warnings))
