# Takes the place of PyInstaller's own hook for PySide6.QtGui (hooks on the spec's hookspath win),
# to leave out the GTK 3 platform theme. That plugin links the system's GTK, which a bundle cannot
# carry whole: PyInstaller would pack the build machine's cairo, pango, atk and gdk-pixbuf beside
# it and mix them with the user's GTK at run time. Without it Qt uses its built-in GNOME theme and
# the XDG desktop portal for file dialogs.
from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, dest) for source, dest in binaries if "libqgtk3" not in source]
