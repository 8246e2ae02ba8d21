"""Tries the network at import: DNS, HTTP, UDP, and TCP to a server on the grading machine.

The test that grades it fills in PORT and HOST_ADDRESSES with a server it runs on the host.
"""

import socket
import urllib.request

PORT = 0  # set by the test
HOST_ADDRESSES = ["127.0.0.1"]  # set by the test: every address of the grading machine


def attempt(what, action):
    try:
        action()
        print("CONNECTED", what, flush=True)
    except Exception as error:  # any failure is what we hope for
        print("blocked", what, type(error).__name__, flush=True)


attempt("dns example.com", lambda: socket.getaddrinfo("example.com", 80))
attempt("http example.com", lambda: urllib.request.urlopen("http://93.184.215.14/", timeout=3))
attempt("udp 8.8.8.8:53", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"\0" * 12, ("8.8.8.8", 53)))
for address in HOST_ADDRESSES:
    attempt(f"tcp {address}:{PORT}", lambda: socket.create_connection((address, PORT), timeout=3).sendall(b"hello from the sandbox"))
print("interfaces:", socket.if_nameindex(), flush=True)
