"""The login dialog: hub address, user, password, "remember password".

It never runs a nested event loop: the shell opens it with ``open()`` and
listens to :attr:`LoginDialog.login_requested`. The dialog stays up (saying
"connecting…") until the shell calls :meth:`succeeded` or :meth:`show_error`,
so a refused login is explained where the dispatcher is typing.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget,
)

from console import theme


class LoginDialog(QDialog):
    login_requested = Signal(str, str, str, bool)   # hub url, user, password, remember

    def __init__(self, parent: QWidget | None = None, *, hub_url: str = "", user: str = "",
                 keyring_problem: str | None = None):
        super().__init__(parent)
        self.setObjectName("LoginDialog")
        self.setWindowTitle(self.tr("Log in — City Brain command center"))
        self.setMinimumWidth(460)
        self._build(keyring_problem)
        self.url_edit.setText(hub_url)
        self.user_edit.setText(user)
        (self.password_edit if user else self.user_edit).setFocus()

    def _build(self, keyring_problem: str | None) -> None:
        title = QLabel(self.tr("City Brain command center — Wuhai"), objectName="LoginTitle")
        self.url_edit = QLineEdit(placeholderText="ws://hub.example:8765/ws")
        self.user_edit = QLineEdit()
        self.password_edit = QLineEdit(echoMode=QLineEdit.EchoMode.Password)
        self.remember_box = QCheckBox(self.tr("Remember password on this workstation"))
        self.message = QLabel(objectName="LoginMessage", wordWrap=True)
        self.message.hide()
        self.keyring_notice = QLabel(objectName="KeyringNotice", wordWrap=True)
        self._show_keyring_problem(keyring_problem)
        form = QFormLayout()
        form.addRow(self.tr("Hub address"), self.url_edit)
        form.addRow(self.tr("User"), self.user_edit)
        form.addRow(self.tr("Password"), self.password_edit)
        form.addRow("", self.remember_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Log in"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Cancel"))
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        for w in (title, self.keyring_notice):
            layout.addWidget(w)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

    def _show_keyring_problem(self, problem: str | None) -> None:
        if not problem:
            self.keyring_notice.hide()
            return
        self.keyring_notice.setText(self.tr(
            "No system keyring is available: this workstation cannot remember your login, "
            "so you will be asked to log in each time."))
        self.keyring_notice.setToolTip(problem)
        self.remember_box.setChecked(False)
        self.remember_box.setEnabled(False)
        self.keyring_notice.show()

    # --- what the dispatcher typed -------------------------------------------------
    def _submit(self) -> None:
        url, user = self.url_edit.text().strip(), self.user_edit.text().strip()
        password = self.password_edit.text()
        problem = self._validate(url, user, password)
        if problem:
            self.show_error(problem)
            return
        self._set_busy(True)
        self._say(self.tr("Connecting to %1 …").replace("%1", url), "muted")
        self.login_requested.emit(url, user, password, self.remember_box.isChecked())

    def _validate(self, url: str, user: str, password: str) -> str | None:
        if not url.startswith(("ws://", "wss://")) or len(url) <= len("wss://"):
            return self.tr("The hub address must start with ws:// or wss://")
        if not user:
            return self.tr("Enter your user name")
        if not password:
            return self.tr("Enter your password")
        return None

    # --- answers from the shell ---------------------------------------------------------
    def show_error(self, text: str) -> None:
        self._set_busy(False)
        self._say(text, "alarm")
        self.password_edit.selectAll()
        self.password_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_progress(self, text: str) -> None:
        self._say(text, "warn")

    def succeeded(self) -> None:
        self.password_edit.clear()
        self.accept()

    def _say(self, text: str, level: str) -> None:
        self.message.setText(text)
        theme.set_level(self.message, level)
        self.message.show()

    def _set_busy(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy)
        for w in (self.url_edit, self.user_edit, self.password_edit):
            w.setReadOnly(busy)

    # convenience for the shell and tests
    def values(self) -> tuple[str, str, str, bool]:
        return (self.url_edit.text().strip(), self.user_edit.text().strip(),
                self.password_edit.text(), self.remember_box.isChecked())
