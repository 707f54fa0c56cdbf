#!/bin/sh
# Install the Linux bundle for the current user: the program in ~/.local/lib/hearth, `hearth` in
# ~/.local/bin, and the menu entry, icons and AppStream metadata in ~/.local/share.
#
#   packaging/install-linux.sh [BUNDLE]     from a checkout, after `make package` (BUNDLE: dist/hearth)
#   ./install-linux.sh                      from inside a built bundle (make package copies it there)
#   ./install-linux.sh --uninstall          remove all of it again
#
# PREFIX=/usr/local (as root) installs for everyone instead.
set -eu

prefix=${PREFIX:-$HOME/.local}
here=$(cd "$(dirname "$0")" && pwd)
if [ -x "$here/hearth" ] && [ -d "$here/_internal" ]; then
    bundle=$here
    icons=$here/_internal/resources/icons
else
    bundle=${1:-$here/../dist/hearth}
    icons=$here/../resources/icons
fi
sizes="16 24 32 48 64 128 256 512"
app_id=io.github.hearth.Hearth

# Menus and icon themes cache what they find; refresh them where the tools exist.
refresh_caches() {
    if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$prefix/share/applications" || true; fi
    if command -v gtk-update-icon-cache >/dev/null; then gtk-update-icon-cache -q -t "$prefix/share/icons/hicolor" 2>/dev/null || true; fi
}

if [ "${1:-}" = "--uninstall" ]; then
    rm -rf "$prefix/lib/hearth"
    rm -f "$prefix/bin/hearth" "$prefix/share/applications/hearth.desktop" \
        "$prefix/share/metainfo/$app_id.metainfo.xml" "$prefix/share/icons/hicolor/scalable/apps/hearth.svg"
    for size in $sizes; do rm -f "$prefix/share/icons/hicolor/${size}x$size/apps/hearth.png"; done
    refresh_caches
    echo "Hearth is uninstalled from $prefix (your conversations and models are kept)."
    exit 0
fi

if [ ! -x "$bundle/hearth" ]; then
    echo "No bundle at $bundle: build it with 'make package' first." >&2
    exit 1
fi

# A copy, not a link: dist/ can then be rebuilt or deleted without breaking the menu entry.
if [ "$(cd "$bundle" && pwd)" != "$prefix/lib/hearth" ]; then
    rm -rf "$prefix/lib/hearth"
    mkdir -p "$prefix/lib"
    cp -a "$bundle" "$prefix/lib/hearth"
fi
mkdir -p "$prefix/bin" "$prefix/share/applications" "$prefix/share/metainfo" \
    "$prefix/share/icons/hicolor/scalable/apps"
ln -sf "$prefix/lib/hearth/hearth" "$prefix/bin/hearth"

# Exec gets the full path: a desktop session's PATH often lacks ~/.local/bin.
sed "s|^Exec=hearth|Exec=$prefix/lib/hearth/hearth|" "$here/hearth.desktop" > "$prefix/share/applications/hearth.desktop"
cp "$here/$app_id.metainfo.xml" "$prefix/share/metainfo/"
cp "$icons/hearth.svg" "$prefix/share/icons/hicolor/scalable/apps/hearth.svg"
for size in $sizes; do
    mkdir -p "$prefix/share/icons/hicolor/${size}x$size/apps"
    cp "$icons/hearth-$size.png" "$prefix/share/icons/hicolor/${size}x$size/apps/hearth.png"
done

refresh_caches
echo "Hearth is installed: $prefix/bin/hearth, and Hearth in the applications menu."
