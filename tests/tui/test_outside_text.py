"""Text from outside never drives the terminal: controls show as visible escapes, markup stays literal,
zalgo keeps its line, on every screen that shows it.

The check reads what each widget on screen renders, the strips the terminal would be sent: no control
character in them means no title change, no cleared screen, no cursor moved by what a viewer typed.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta

from textual.geometry import Region
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static, TabbedContent, TextArea

from mhc_core.db.models import InteractionSource
from mhc_core.services import attributes, interactions, notes, persons, sessions, snapshots, watchlists
from mhc_tui.screens.lookup import LookupScreen
from mhc_tui.screens.person import TABS, PersonScreen
from mhc_tui.screens.session_detail import SessionDetailScreen
from mhc_tui.widgets.event_feed import FeedView
from mhc_tui.widgets.session_transcript import SessionTranscript
from tests.fakes import make_event
from tests.tui.conftest import NOW, dashboard_loaded, settle, wait_until

TITLE_HACK = "\x1b]0;TITLEHACK\x07"
CLEAR = "\x1b[2J"
HOSTILE = f"hi {TITLE_HACK}there{CLEAR} friend"
SHOWN = "hi \\x1b]0;TITLEHACK\\x07there\\x1b[2J friend"
ZALGO = "zalgo " + "z" + "\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308" * 40 + " end"
MARKUP = "[bold red]loud[/] [link=http://evil.example]click[/link]"
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def rendered(screen: Screen) -> dict[str, list[str]]:
    """Each widget on screen (by its DOM path) with the rows it sends to the terminal."""
    out: dict[str, list[str]] = {}
    for widget in screen.query("*"):
        if widget.region.area == 0:
            continue  # not on screen (a hidden tab, a collapsed section)
        strips = widget.render_lines(Region(0, 0, *widget.outer_size))
        out[f"{widget.css_path_nodes[-1]!r}#{widget.id}"] = [strip.text for strip in strips]
    return out


def assert_no_control_reaches_the_terminal(screen: Screen) -> None:
    for where, rows in rendered(screen).items():
        for row in rows:
            assert not CONTROL.search(row), f"{where} renders a control character: {row!r}"


def longest_combining_run(text: str) -> int:
    run = longest = 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch).startswith("M") else 0
        longest = max(longest, run)
    return longest


async def test_a_hostile_chat_line_from_the_room_shows_as_escapes_on_its_own_row(make_app, settings, fake_apis):
    fake_apis.push(
        make_event("chatMessage", "viewer_one", text=HOSTILE),
        make_event("chatMessage", "viewer_two", text=ZALGO),
        make_event("chatMessage", "viewer_three", text=MARKUP),
        make_event("tip", "viewer_one", tokens=5, tip_message=f"| tip {CLEAR}note"),
        make_event("roomSubjectChange", subject=f"subject {TITLE_HACK}"),
    )
    configured = type(settings)(**{**settings.model_dump(), "events_base_url": fake_apis.events_base_url,
                                    "events_token": fake_apis.events_token, "events_timeout": 1})
    app = make_app(settings=configured, start_capture=True)
    async with app.run_test(size=(200, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        view = app.screen.query_one(FeedView)
        await wait_until(pilot, lambda: view.visible_count == 5, timeout=20, what="the five events captured")
        await settle(pilot)
        width = view.scrollable_content_region.width
        rows = [view.render_line(y) for y in range(view.scrollable_content_region.height)]
        texts = [row.text for row in rows]
        lines = [t for t in texts if t.strip()]
        assert len(lines) == 5  # five events, five rows: nothing spilled onto another
        chat, zalgo, markup, tip, subject = lines
        assert SHOWN[:30] in chat and "viewer_one" in chat  # the rest is cut at the border, with "…"
        assert "zalgo z" in zalgo and "viewer_two" in zalgo and longest_combining_run(zalgo) <= 2
        assert MARKUP in markup  # literal: not bold, not a link
        assert "tip \\x1b[2Jnote" in tip
        assert "subject \\x1b]0;TITLEHACK\\x07" in subject
        assert all(row.cell_length == width for row in rows)  # every row exactly the panel's width
        assert_no_control_reaches_the_terminal(app.screen)


async def test_the_person_screen_shows_outside_text_literally_in_every_tab(make_app, db):
    with db.session() as s:
        me = persons.find_or_create(s, "hudson_cage", role="MODEL")
        live = sessions.start(s, "hudson_cage", at=NOW - timedelta(hours=1))
        viewer = persons.find_or_create(s, "viewer_one", role="VIEWER")
        for n, (kind, text) in enumerate((("CHAT_MESSAGE", HOSTILE), ("PRIVATE_MESSAGE", MARKUP),
                                          ("CHAT_MESSAGE", ZALGO))):
            interactions.append(s, viewer.id, kind, content=text, timestamp=NOW - timedelta(minutes=30 - n),
                                source=InteractionSource.CB_EVENTS.value, event_id=f"hostile-{n}",
                                stream_session_id=live.id)
        notes.add_note(s, viewer, f"note {MARKUP}", at=NOW - timedelta(minutes=5))
        attributes.set_attribute(s, viewer.id, "city", f"Lis{TITLE_HACK}bon", confidence="high")
        watchlists.set_member(s, watchlists.by_name(s, "Friends"), viewer, True)
        snapshots.append(s, viewer.id, "statbate_member", {"seed": True},
                         {"all_time_tokens": 10, "first_tip_date": f"never{CLEAR}", f"odd{TITLE_HACK}key": 3},
                         captured_at=NOW - timedelta(minutes=1))
        viewer_id, me_id = viewer.id, me.id
    assert me_id is not None
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        app.open_person(viewer_id)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        screen = app.screen
        await settle(pilot)
        summary = str(screen.query_one("#summary-memory", Static).render())
        assert f"note {MARKUP}" in summary  # the note (his own text, controls refused): markup literal
        assert "city=Lis\\x1b]0;TITLEHACK\\x07bon" in summary
        assert "never\\x1b[2J" in str(screen.query_one("#summary-stats", Static).render())
        for tab in TABS:
            screen.query_one(TabbedContent).active = tab
            await settle(pilot)
            assert_no_control_reaches_the_terminal(screen)
        cells = [str(cell) for row in range(screen.query_one("#interactions-table", DataTable).row_count)
                 for cell in screen.query_one("#interactions-table", DataTable).get_row_at(row)]
        assert SHOWN in cells and MARKUP in cells


async def test_a_session_transcript_shows_outside_text_literally(make_app, db):
    with db.session() as s:
        live = sessions.start(s, "hudson_cage", at=NOW - timedelta(hours=1))
        viewer = persons.find_or_create(s, "viewer_one", role="VIEWER")
        for n, (kind, text, meta) in enumerate((("CHAT_MESSAGE", HOSTILE, {}), ("CHAT_MESSAGE", ZALGO, {}),
                                                ("TIP_EVENT", MARKUP, {"tokens": 5}))):
            interactions.append(s, viewer.id, kind, content=text, timestamp=NOW - timedelta(minutes=30 - n),
                                source=InteractionSource.CB_EVENTS.value, event_id=f"hostile-{n}",
                                stream_session_id=live.id, metadata=meta)
        session_id = live.id
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        app.open_session(session_id)
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDetailScreen)
                         and any(t.row_count == 3 for t in app.screen.query(SessionTranscript)), what="the transcript")
        transcript = app.screen.query_one(SessionTranscript)
        what = [str(transcript.get_row_at(row)[3]) for row in range(3)]
        assert what[0] == SHOWN and what[2] == f"5 tokens — {MARKUP}"
        assert longest_combining_run(what[1]) <= 2
        await settle(pilot)
        assert_no_control_reaches_the_terminal(app.screen)


async def test_lookup_shows_statbate_fields_and_pasted_text_literally(make_app, settings, fake_apis, db):
    fake_apis.add_member("viewer_one", first_message_date=f"{TITLE_HACK}{MARKUP}")
    configured = type(settings)(**{**settings.model_dump(), "statbate_base_url": fake_apis.statbate_base_url,
                                    "statbate_token": fake_apis.statbate_token})
    app = make_app(settings=configured)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await app.switch_mode("lookup")
        await wait_until(pilot, lambda: isinstance(app.screen, LookupScreen))
        screen = app.screen
        paste = screen.query_one("#lookup-paste", TextArea)
        paste.focus()
        await pilot.press("ctrl+a")  # nothing to select yet: the paste goes in at the cursor
        # As the terminal hands a paste over: to the app, which gives it to the focused field.
        app.post_message(paste_event(f"viewer_one: {HOSTILE}\n"))
        await wait_until(pilot, lambda: "viewer_one" in paste.text, what="the paste")
        name = screen.query_one("#lookup-name", Input)
        name.focus()
        await pilot.pause()
        app.post_message(paste_event(f"{CLEAR}pasted"))
        await wait_until(pilot, lambda: "viewer_one" in paste.text and name.value != "", what="the pastes")
        assert paste.text == f"viewer_one: {SHOWN}\n"  # what is looked up and kept is what is shown
        assert name.value == "\\x1b[2Jpasted"
        name.value = ""
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: "Found" in str(screen.query_one("#lookup-status", Static).render()),
                         timeout=15, what="the lookup")
        await settle(pilot)
        stats = str(screen.query_one("#summary-stats", Static).render())
        assert f"first message date \\x1b]0;TITLEHACK\\x07{MARKUP}" in stats
        assert_no_control_reaches_the_terminal(screen)


async def test_a_notification_echoing_outside_text_is_literal(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        app.notify(f"bad: [bold red]loud[/]{TITLE_HACK}", severity="warning")
        await settle(pilot)
        shown = "\n".join(row for rows in rendered(app.screen).values() for row in rows)
        assert "bad: [bold red]loud[/]\\x1b]0;TITLEHACK\\x07" in shown  # literal: not bold, no title set
        assert_no_control_reaches_the_terminal(app.screen)


def paste_event(text: str):  # type: ignore[no-untyped-def]
    from textual import events

    return events.Paste(text)
