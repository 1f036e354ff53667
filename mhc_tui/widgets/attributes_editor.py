"""Tags and attributes of a person: add, edit (confidence, evidence) and remove."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Select

from mhc_core.data.errors import InvalidAttribute
from mhc_core.data.views import AttributeView
from mhc_core.kinds import Confidence
from mhc_tui.background import run_in_thread
from mhc_tui.data_access import data_of, data_ready
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets.safe_fields import SafeInput


class AttributesEditor(Vertical):
    BINDINGS = [
        Binding("a", "add", "Add tag", id="add_tag", tooltip="tags: add one"),
        Binding("e", "edit", "Edit tag", id="edit_tag", tooltip="tags: edit the selected one"),
        Binding("delete,x", "remove", "Remove tag", id="remove_tag", tooltip="tags: remove the selected one"),
    ]

    class Saved(Message):
        """The person's attributes changed; whoever shows them should re-read."""

    class Failed(Message):
        def __init__(self, reason: str) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id
        self._rows: dict[int, AttributeView] = {}
        self._editing: AttributeView | None = None

    def compose(self) -> ComposeResult:
        table: DataTable[Any] = DataTable(id="attr-table", cursor_type="row", zebra_stripes=True)
        table.add_column("key", key="key")
        table.add_column("value", key="value")
        table.add_column("confidence", key="confidence")
        table.add_column("evidence type", key="evidence_type")
        table.add_column("evidence id", key="evidence_id")
        yield table
        yield Label("", id="attr-status")
        with Horizontal(classes="attr-form-row"):
            yield SafeInput(placeholder="key (e.g. tag, city)", id="attr-key")
            yield SafeInput(placeholder="value", id="attr-value")
            yield Select([(c.value, c.value) for c in Confidence], value=Confidence.MEDIUM.value,
                         allow_blank=False, id="attr-confidence")
        with Horizontal(classes="attr-form-row"):
            yield SafeInput(placeholder="evidence: interaction or snapshot (blank: manual)", id="attr-evidence-type")
            yield SafeInput(placeholder="evidence id (the interaction's or snapshot's)", id="attr-evidence-id")
            yield Button("Save", id="attr-save", variant="primary")

    def show(self, rows: Sequence[AttributeView]) -> None:
        """Update the table in place by attribute id, keeping the cursor where it was."""
        table = self.query_one(DataTable)
        wanted = {row.id: row for row in rows}
        for key in [k for k in self._rows if k not in wanted]:
            table.remove_row(str(key))
        for row in rows:
            cells = (row.key, row.value, row.confidence, row.evidence_type or "", row.evidence_id or "")
            if row.id in self._rows:
                for column, cell in zip(("key", "value", "confidence", "evidence_type", "evidence_id"), cells,
                                        strict=True):
                    table.update_cell(str(row.id), column, fmt.outside_text(cell))
            else:
                table.add_row(*(fmt.outside_text(c) for c in cells), key=str(row.id))
        self._rows = wanted

    # -- actions ---------------------------------------------------------------------------

    def action_add(self) -> None:
        self._fill(None)
        self.query_one("#attr-key", Input).focus()

    def action_edit(self) -> None:
        row = self._selected()
        if row is not None:
            self._fill(row)
            self.query_one("#attr-confidence", Select).focus()

    def action_remove(self) -> None:
        row = self._selected()
        if row is not None and data_ready(self):
            run_in_thread(self, partial(self._write, None, row.id), name="remove tag")

    @on(DataTable.RowSelected, "#attr-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    @on(Button.Pressed, "#attr-save")
    @on(Input.Submitted)
    def _save(self, event: Message) -> None:
        event.stop()
        if not data_ready(self):
            self._say("waiting for database…", error=True)
            return
        values: dict[str, Any] = {
            "key": self.query_one("#attr-key", Input).value,
            "value": self.query_one("#attr-value", Input).value,
            "confidence": str(self.query_one("#attr-confidence", Select).value),
            "evidence_type": self.query_one("#attr-evidence-type", Input).value.strip() or None,
            "evidence_id": self.query_one("#attr-evidence-id", Input).value.strip() or None,
        }
        editing = self._editing
        # Renaming the key or value of an edited attribute replaces it rather than adding a second one.
        replaces = (
            editing.id if editing is not None
            and (editing.key, editing.value) != (values["key"].strip().lower(), values["value"].strip())
            else None
        )
        run_in_thread(self, partial(self._write, values, replaces), name="save tag")

    # -- in a thread -------------------------------------------------------------------------

    def _write(self, values: dict[str, Any] | None, remove_id: int | None) -> None:
        data = data_of(self)
        try:
            if values is None:
                if remove_id is not None:
                    data.remove_attribute(remove_id)
            else:
                data.save_attribute(
                    self.person_id, values["key"], values["value"], confidence=values["confidence"],
                    evidence_type=values["evidence_type"], evidence_id=values["evidence_id"], replaces=remove_id,
                )
        except InvalidAttribute as exc:
            self.post_message(self.Failed(str(exc)))
            return
        self.post_message(self.Saved())

    def on_attributes_editor_saved(self, message: Saved) -> None:
        self._fill(None)
        self._say("saved")  # the message bubbles on to the screen, which re-reads the person

    def on_attributes_editor_failed(self, message: Failed) -> None:
        message.stop()
        self._say(message.reason, error=True)

    # -- helpers ---------------------------------------------------------------------------

    def _selected(self) -> AttributeView | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(int(key)) if key is not None else None

    def _fill(self, row: AttributeView | None) -> None:
        self._editing = row
        self.query_one("#attr-key", Input).value = row.key if row else ""
        self.query_one("#attr-value", Input).value = row.value if row else ""
        self.query_one("#attr-confidence", Select).value = row.confidence if row else Confidence.MEDIUM.value
        self.query_one("#attr-evidence-type", Input).value = (row.evidence_type or "") if row else ""
        self.query_one("#attr-evidence-id", Input).value = (row.evidence_id or "") if row else ""
        self._say(f"editing {row.key}={row.value}: change and press enter" if row else "")

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#attr-status", Label)
        status.set_class(error, "-error")
        status.update(Content(fmt.outside(text)))  # names, values and errors: literal, controls visible
