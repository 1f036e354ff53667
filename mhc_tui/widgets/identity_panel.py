"""Who a person is: username, role, aliases, Statbate ids, first/last seen, exclusion."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from mhc_tui.data_access import console_of
from mhc_tui.widgets import display_format as fmt

if TYPE_CHECKING:
    from mhc_core.data.views import PersonView


class IdentityPanel(Static):
    """Renders a person's identity; empty until `show()` is called."""

    def show(self, person: PersonView) -> None:
        tz = console_of(self).settings.tz
        now = console_of(self).clock()
        old = [a for a in person.aliases if a.username != person.username]
        aliases = ", ".join(
            f"{fmt.outside(a.username)} (until {fmt.when(a.valid_to, tz)})" if a.valid_to else fmt.outside(a.username)
            for a in old
        )
        excluded = "  [$error b]EXCLUDED[/]" if person.is_excluded else ""
        template = "\n".join([
            f"[b $accent]$username[/]  [$secondary]$role[/]{excluded}",
            "aliases: $aliases",
            f"rid: {fmt.number(person.rid)}   did: {fmt.number(person.did)}",
            f"first seen {fmt.when(person.first_seen_at, tz)}   "
            f"last seen {fmt.when(person.last_seen_at, tz)} ({fmt.ago(person.last_seen_at, now)})",
        ])
        self.set_class(person.is_excluded, "-excluded")
        self.update(fmt.outside_markup(template, username=person.username, role=person.role,
                                       aliases=aliases or "none"))
