"""The searchable camera list beside the tiles: cameras grouped (traffic,
street scene, smart compounds, Yellow River) with online/offline shown; drag a
camera onto a tile, or double-click / Enter to open it in the next tile.

The model reads the live store on demand; it keeps only the order of the ids
(which camera is row N of group G), rebuilt when the set of cameras changes.
"""
from __future__ import annotations

from PySide6.QtCore import (
    QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView, QLineEdit, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QTreeView,
    QVBoxLayout, QWidget,
)

from console import labels, theme
from console.store import LiveStore
from widgets.video_tile import CAMERA_MIME, camera_elide_mode

GROUP_ORDER = ("traffic", "city_mgmt", "community", "yellow_river")
CAMERA_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2
SHORT_NAME_ROLE = Qt.ItemDataRole.UserRole + 3
_GROUP = 0          # internalId of group rows; camera rows carry group row + 1


def _dot(color: str) -> QIcon:
    pm = QPixmap(12, 12)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(Qt.PenStyle.NoPen)
    p.drawEllipse(2, 2, 8, 8)
    p.end()
    return QIcon(pm)


class CameraTreeModel(QAbstractItemModel):
    def __init__(self, store: LiveStore, parent=None):
        super().__init__(parent)
        self.store = store
        self._groups: list[str] = []
        self._ids: dict[str, list[str]] = {}
        self._icons = {s: _dot(c) for s, c in theme.CAMERA_STATUS_COLORS.items()}
        self.rebuild()

    # --- keeping up with the store -------------------------------------------------
    def rebuild(self) -> None:
        self.beginResetModel()
        by_group: dict[str, list[str]] = {}
        for cam in self.store.cameras.values():
            by_group.setdefault(cam.group, []).append(cam.id)
        order = {g: i for i, g in enumerate(GROUP_ORDER)}
        self._groups = sorted(by_group, key=lambda g: (order.get(g, len(order)), g))
        self._ids = {g: sorted(ids) for g, ids in by_group.items()}
        self.endResetModel()

    def cameras_changed(self, ids: set[str]) -> None:
        """Status changes: repaint those rows and their group's counts."""
        known = {cid for ids_ in self._ids.values() for cid in ids_}
        if not ids <= known or len(known) != len(self.store.cameras):
            self.rebuild()
            return
        for g, group in enumerate(self._groups):
            rows = [r for r, cid in enumerate(self._ids[group]) if cid in ids]
            if rows:
                parent = self.index(g, 0)
                self.dataChanged.emit(self.index(min(rows), 0, parent), self.index(max(rows), 0, parent))
                self.dataChanged.emit(parent, parent)

    # --- the tree ------------------------------------------------------------------------
    def index(self, row, column, parent=QModelIndex()):
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, _GROUP) if row < len(self._groups) else QModelIndex()
        if parent.internalId() != _GROUP:
            return QModelIndex()
        group = self._groups[parent.row()]
        if row >= len(self._ids[group]):
            return QModelIndex()
        return self.createIndex(row, 0, parent.row() + 1)

    def parent(self, index=QModelIndex()):
        if not index.isValid() or index.internalId() == _GROUP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _GROUP)

    def rowCount(self, parent=QModelIndex()):
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == _GROUP:
            return len(self._ids[self._groups[parent.row()]])
        return 0

    def columnCount(self, parent=QModelIndex()):
        return 1

    def camera_id(self, index: QModelIndex) -> str | None:
        if not index.isValid() or index.internalId() == _GROUP:
            return None
        return self._ids[self._groups[index.internalId() - 1]][index.row()]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        if index.internalId() == _GROUP:
            return self._group_data(self._groups[index.row()], role)
        cam = self.store.cameras.get(self.camera_id(index) or "")
        return None if cam is None else self._camera_data(cam, role)

    def _group_data(self, group: str, role):
        if role == Qt.ItemDataRole.DisplayRole:
            ids = self._ids[group]
            offline = sum(1 for cid in ids if self._status(cid) != "online")
            text = f"{labels.camera_group(group)}  ({len(ids)})"
            return text + "  " + self.tr("{0} offline").format(offline) if offline else text
        if role == SEARCH_ROLE:
            return f"{labels.camera_group(group)} {group}".lower()
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(theme.MUTED))
        return None

    def _camera_data(self, cam, role):
        online = cam.status == "online"
        if role == Qt.ItemDataRole.DisplayRole:
            return cam.name if online else self.tr("{0}  · offline").format(cam.name)
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons.get(cam.status, self._icons["offline"])
        if role == Qt.ItemDataRole.ForegroundRole:
            return None if online else QBrush(QColor(theme.OFFLINE))
        if role == Qt.ItemDataRole.ToolTipRole:
            where = cam.location.address or ""
            return f"{cam.id}  {cam.name}\n{where}\n{labels.camera_group(cam.group)}"
        if role == CAMERA_ID_ROLE:
            return cam.id
        if role == SHORT_NAME_ROLE:
            site = labels.camera_site(cam.name)
            return site if online or site is None else self.tr("{0}  · offline").format(site)
        if role == SEARCH_ROLE:
            return f"{cam.id} {cam.name} {cam.location.address or ''}".lower()
        return None

    def _status(self, cid: str) -> str:
        cam = self.store.cameras.get(cid)
        return cam.status if cam else "offline"

    # --- drag ------------------------------------------------------------------------------
    def flags(self, index):
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.isValid() and index.internalId() != _GROUP:
            base |= Qt.ItemFlag.ItemIsDragEnabled
        return base

    def mimeTypes(self):
        return [CAMERA_MIME]

    def mimeData(self, indexes):
        ids = [cid for cid in (self.camera_id(i) for i in indexes) if cid]
        if not ids:
            return None
        mime = QMimeData()
        mime.setData(CAMERA_MIME, ids[0].encode())
        mime.setText(ids[0])
        return mime


class CameraNameDelegate(QStyledItemDelegate):
    """A camera's whole name when it fits; else the site without its street
    (cameras of one street would all read "新华街道 人…"), cut where
    ``camera_elide_mode`` says (a river camera keeps its number)."""

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        short = index.data(SHORT_NAME_ROLE)
        if not short or not option.text:
            return
        style = option.widget.style() if option.widget else None
        if style is None:
            return
        width = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, option.widget).width()
        # Qt picks the longest of the variants (separated by U+009C) that fits
        option.text = option.fontMetrics.elidedText(
            f"{option.text}\x9c{short}", camera_elide_mode(short), max(0, width - 4))


class CameraFilter(QSortFilterProxyModel):
    """Every word typed must appear in the camera's id, name or address (or
    in its group's name)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setRecursiveFilteringEnabled(True)
        self._words: list[str] = []

    def set_text(self, text: str) -> None:
        self._words = text.lower().split()
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        if not self._words:
            return True
        src = self.sourceModel()
        index = src.index(row, 0, parent)
        if not parent.isValid():
            return False                  # a group shows when a camera in it matches
        text = (src.data(index, SEARCH_ROLE) or "") + " " + (src.data(parent, SEARCH_ROLE) or "")
        return all(w in text for w in self._words)


class CameraList(QWidget):
    camera_activated = Signal(str)

    def __init__(self, store: LiveStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = CameraTreeModel(store, self)
        self.proxy = CameraFilter(self)
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search cameras: name, street, id"))
        self.search.setClearButtonEnabled(True)
        self.view = QTreeView(self)
        self.view.setModel(self.proxy)
        self.view.setHeaderHidden(True)
        self.view.setUniformRowHeights(True)
        self.view.setIndentation(12)          # more of each name in a narrow dock
        self.view.setItemDelegate(CameraNameDelegate(self.view))
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.expandAll()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.search)
        lay.addWidget(self.view, 1)
        self.search.textChanged.connect(self._on_search)
        self.view.activated.connect(self._on_activated)     # double-click or Enter
        self.model.modelReset.connect(self.view.expandAll)

    def _on_search(self, text: str) -> None:
        self.proxy.set_text(text)
        self.view.expandAll()

    def _on_activated(self, index: QModelIndex) -> None:
        cid = self.proxy.data(index, CAMERA_ID_ROLE)
        if cid:
            self.camera_activated.emit(cid)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Down from the search box goes into the list, so the keyboard is enough
        if event.key() == Qt.Key.Key_Down and self.search.hasFocus():
            self.view.setFocus()
            if not self.view.currentIndex().isValid():
                self.view.setCurrentIndex(self.proxy.index(0, 0, self.proxy.index(0, 0)))
            return
        super().keyPressEvent(event)
