import os

# Before pytest-qt creates the QApplication: no display is needed or used.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
