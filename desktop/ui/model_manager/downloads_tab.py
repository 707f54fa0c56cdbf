"""The Downloads tab: the DownloadManager's queue, one row per model, with progress (bytes, speed,
time left), pause, resume and cancel.

Rows follow `DownloadProgress` snapshots delivered on the GUI thread by DownloadProgressBridge.
The queue outlives the window and the app: a download paused (or interrupted by quitting) keeps
its partial file, and `DownloadManager.restore()` at the next start brings it back here as paused.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.text import printable
from desktop.ui.model_manager.formatting import (
    EMBEDDING_NOTE,
    FOR_DOCUMENTS,
    duration_text,
    is_embedding_file,
    size_text,
    speed_text,
)
from desktop.ui.model_manager.services import ManagerContext
from desktop.ui.model_manager.widgets import MessageLine
from models.errors import HearthModelError
from models.hub import DownloadProgress

ACTIVE = ("queued", "running", "paused")


def progress_text(p: DownloadProgress) -> str:
    """The line under a row's progress bar."""
    amount = f"{size_text(p.bytes_done)} of {size_text(p.bytes_total)}"
    part = f" · part {p.part} of {p.parts}" if p.parts > 1 else ""
    if p.state == "running":
        speed = speed_text(p.speed) if p.speed > 0 else "measuring speed"
        return f"{amount} · {speed} · {duration_text(p.eta_s)} left{part}"
    if p.state == "queued":
        return f"Waiting to start · {amount}"
    if p.state == "paused":
        return f"Paused at {amount} ({p.fraction:.0%}); Resume continues from there."
    if p.state == "done":
        note = f" {p.message}" if p.message else ""
        verified = ": sha256 verified" if p.verified else ""
        return f"Installed as {p.installed or p.name}{verified}.{note}"
    if p.state == "cancelled":
        return "Cancelled; the partial download was deleted."
    return p.message or "The download failed."


class DownloadRow(QFrame):
    """One download: name, progress bar, a line of figures, and the buttons its state allows."""

    def __init__(self, progress: DownloadProgress, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="downloadRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.job_id = progress.job_id
        self.progress: DownloadProgress = progress
        self.name_label = QLabel(objectName="roleLabel")
        self.repo_label = QLabel(objectName="noticeLabel")
        self.bar = QProgressBar(minimum=0, maximum=1000, textVisible=True)
        self.bar.setFormat("%p%")
        self.detail_label = QLabel(wordWrap=True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error = MessageLine()
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel", toolTip="Stop and delete what was downloaded")
        self.use_button = QPushButton("Use", toolTip="Chat with this model")
        self.for_documents = False  # an embedding model: no "Use", it cannot chat
        self.clear_button = QPushButton("Clear", toolTip="Remove from this list")
        buttons = QHBoxLayout()
        buttons.setSpacing(4)
        for button in (self.pause_button, self.resume_button, self.cancel_button, self.use_button, self.clear_button):
            buttons.addWidget(button)
        layout = QGridLayout(self)
        title = QHBoxLayout()
        title.addWidget(self.name_label)
        title.addWidget(self.repo_label, 1)
        layout.addLayout(title, 0, 0)
        layout.addLayout(buttons, 0, 1, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(self.bar, 1, 0, 1, 2)
        layout.addWidget(self.detail_label, 2, 0, 1, 2)
        layout.addWidget(self.error, 3, 0, 1, 2)
        self.update_progress(progress)

    def update_progress(self, p: DownloadProgress) -> None:
        self.progress = p
        self.name_label.setText(printable(p.name, one_line=True))
        repo = printable(p.repo_id, one_line=True)
        self.repo_label.setText(f"{repo} · {FOR_DOCUMENTS}" if self.for_documents else repo)
        fraction = 1.0 if p.state == "done" else min(1.0, p.fraction)
        self.bar.setValue(int(fraction * 1000))
        self.bar.setFormat(f"{fraction:.0%}")  # the same rounding as the line below it
        self.bar.setEnabled(p.state in ("running", "queued", "done"))
        # A failed download's message says what is left of it (kept for a retry, or deleted).
        self.bar.setVisible(p.state != "failed")
        self.detail_label.setVisible(p.state != "failed")
        self.detail_label.setText(printable(progress_text(p)))
        if p.state == "failed":
            self.error.show_error(p.message or "The download failed.")
        else:
            self.error.clear_message()
        self.pause_button.setVisible(p.state in ("queued", "running"))
        self.resume_button.setVisible(p.state in ("paused", "failed"))
        self.resume_button.setText("Retry" if p.state == "failed" else "Resume")
        self.cancel_button.setVisible(p.state in ("queued", "running", "paused", "failed"))
        self.use_button.setVisible(p.state == "done" and not self.for_documents)
        self.clear_button.setVisible(p.state in ("done", "cancelled", "failed"))


class DownloadsTab(QWidget):
    model_chosen = Signal(Path)
    library_changed = Signal()
    active_count_changed = Signal(int)

    def __init__(self, context: ManagerContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.rows: dict[str, DownloadRow] = {}
        self._announced: set[str] = set()  # jobs whose "done" was already passed on
        self._cleared: set[str] = set()  # finished jobs the user removed from the list
        self._active = -1
        self.summary = QLabel(objectName="noticeLabel")
        self.clear_finished_button = QPushButton("Clear finished")
        self.clear_finished_button.clicked.connect(self.clear_finished)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.clear_finished_button)
        self.message = MessageLine()
        self.empty_label = QLabel(
            "No downloads. Pick a model in Recommended or Hugging Face; downloads continue while this "
            "window is closed, and a paused one resumes where it stopped, even after a restart.",
            wordWrap=True,
            objectName="noticeLabel",
        )
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        holder = QWidget()
        self._rows_layout = QVBoxLayout(holder)
        self._rows_layout.addWidget(self.empty_label)
        self._rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(holder)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)
        self.sync()

    @property
    def active_count(self) -> int:
        """Downloads queued, running or paused."""
        return sum(row.progress.state in ACTIVE for row in self.rows.values())

    def sync(self) -> None:
        """Show every job the manager knows (restored ones included), without announcing old ones."""
        for progress in self._context.downloads.jobs():
            if progress.state == "done":
                self._announced.add(progress.job_id)
            if progress.job_id in self._cleared and progress.state not in ACTIVE:
                continue
            if progress.job_id in self.rows or progress.state != "cancelled":
                self.on_progress(progress)

    def on_progress(self, progress: DownloadProgress) -> None:
        if progress.state in ACTIVE:
            self._cleared.discard(progress.job_id)
        elif progress.job_id in self._cleared:
            return
        row = self.rows.get(progress.job_id)
        if row is None:
            row = DownloadRow(progress)
            row.pause_button.clicked.connect(lambda: self.pause(row.job_id))
            row.resume_button.clicked.connect(lambda: self.resume(row.job_id))
            row.cancel_button.clicked.connect(lambda: self.cancel(row.job_id))
            row.use_button.clicked.connect(lambda: self._use(row.progress))
            row.clear_button.clicked.connect(lambda: self._remove_row(row.job_id))
            self.rows[progress.job_id] = row
            self._rows_layout.insertWidget(0, row)  # newest first
        else:
            row.update_progress(progress)
        if progress.state == "done" and not row.for_documents:
            self._mark_embedding(row)
        if progress.state == "done" and progress.job_id not in self._announced:
            self._announced.add(progress.job_id)
            self.library_changed.emit()
        elif progress.state in ("queued", "running"):
            self._announced.discard(progress.job_id)  # the same model downloaded again
        self._update_summary()

    # -- buttons ---------------------------------------------------------------------------------

    def pause(self, job_id: str) -> None:
        self._context.downloads.pause(job_id)

    def resume(self, job_id: str) -> None:
        try:
            self._context.downloads.resume(job_id)
        except RuntimeError as exc:  # the manager is shut down (the app is quitting)
            self.message.show_error(f"Cannot resume: {exc}.")

    def cancel(self, job_id: str) -> None:
        self._context.downloads.cancel(job_id)

    def clear_finished(self) -> None:
        for job_id, row in list(self.rows.items()):
            if row.progress.state in ("done", "cancelled", "failed"):
                self._remove_row(job_id)

    def _remove_row(self, job_id: str) -> None:
        row = self.rows.pop(job_id, None)
        self._cleared.add(job_id)
        if row is not None:
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        self._update_summary()

    def _mark_embedding(self, row: DownloadRow) -> None:
        try:
            model = self._context.library.find(row.progress.installed or row.progress.name)
        except HearthModelError:
            return
        if is_embedding_file(model.path):
            row.for_documents = True
            row.repo_label.setToolTip(EMBEDDING_NOTE)
            row.update_progress(row.progress)

    def _use(self, progress: DownloadProgress) -> None:
        try:
            model = self._context.library.find(progress.installed or progress.name)
        except HearthModelError as exc:
            self.message.show_error(str(exc))
            return
        self.model_chosen.emit(model.path)

    def _update_summary(self) -> None:
        states = [row.progress.state for row in self.rows.values()]
        active = self.active_count
        running = [row.progress for row in self.rows.values() if row.progress.state == "running"]
        speed = sum(p.speed for p in running)
        text = f"{active} active" if active else "Nothing downloading"
        if running:
            text += f" · {speed_text(speed)} in all"
        self.summary.setText(text)
        self.empty_label.setVisible(not self.rows)
        self.clear_finished_button.setEnabled(len(states) > active)
        if active != self._active:
            self._active = active
            self.active_count_changed.emit(active)
