"""Tags and attributes of a person: add, edit (confidence, evidence) and remove."""

from __future__ import annotations

import uuid
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, DataTable, Input, Label, Select
from textual.worker import Worker

from mhc_core.db.models import Confidence
from mhc_core.services import attributes
from mhc_tui.widgets import display_format as fmt
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.person_data import AttributeRow
from mhc_tui.widgets.safe_fields import SafeInput


class AttributesEditor(Vertical):
    BINDINGS = [
        Binding("a", "add", "Add tag"),
        Binding("e", "edit", "Edit tag"),
        Binding("delete,x", "remove", "Remove tag"),
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
        self._rows: dict[int, AttributeRow] = {}
        self._editing: AttributeRow | None = None

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
            yield SafeInput(placeholder="evidence type (e.g. chat, note)", id="attr-evidence-type")
            yield SafeInput(placeholder="evidence id", id="attr-evidence-id")
            yield Button("Save", id="attr-save", variant="primary")

    def show(self, rows: list[AttributeRow]) -> None:
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
        if row is not None and self.app.db is not None:  # type: ignore[attr-defined]
            self._write(None, row.id)

    @on(DataTable.RowSelected, "#attr-table")
    def _row_chosen(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_edit()

    @on(Button.Pressed, "#attr-save")
    @on(Input.Submitted)
    def _save(self, event: Message) -> None:
        event.stop()
        if self.app.db is None:  # type: ignore[attr-defined]
            self._say("waiting for database…", error=True)
            return
        values = {
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
        self._write(values, replaces)

    # -- workers ---------------------------------------------------------------------------

    @work(thread=True, exclusive=True, group="person-attributes", exit_on_error=False)
    def _write(self, values: dict[str, Any] | None, remove_id: int | None) -> None:
        try:
            with self.app.db.session() as session:  # type: ignore[attr-defined]
                if remove_id is not None:
                    attributes.remove(session, remove_id)
                if values is not None:
                    attributes.set_attribute(
                        session, self.person_id, values["key"], values["value"],
                        confidence=values["confidence"], evidence_type=values["evidence_type"],
                        evidence_id=values["evidence_id"],
                    )
        except attributes.InvalidAttribute as exc:
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

    def _selected(self) -> AttributeRow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._rows.get(int(key)) if key is not None else None

    def _fill(self, row: AttributeRow | None) -> None:
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

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker_errors.report(self, event, "Tags")
