"""The single-instance socket's peer check, on a real pair of connected sockets."""

from __future__ import annotations

import os
import socket

from desktop.instance_socket import peer_uid, same_user


def test_the_peer_of_a_local_socket_is_this_user() -> None:
    left, right = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with left, right:
        assert peer_uid(left.fileno()) == os.getuid()
        assert same_user(right.fileno())
