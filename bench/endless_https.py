#!/usr/bin/env python3
"""An HTTPS server that never finishes an answer, for bench/hostile_exchange.sh: every request
is read whole, then answered 200 with a chunked body of 64 KiB chunks that goes on until the
client leaves. It shows what a client holds in memory against a server (or a proxy gone wrong)
that streams without end.

    python3 bench/endless_https.py CERT KEY PORT_FILE
"""
import socket
import ssl
import sys
import threading

CHUNK = b"%x\r\n%s\r\n" % (65536, b"x" * 65536)


def read_request(conn):
    """Reads one request (headers and a Content-Length body); False when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        part = conn.recv(65536)
        if not part:
            return False
        data += part
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        part = conn.recv(65536)
        if not part:
            return False
        body += part
    return True


def serve(conn):
    try:
        if read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            while True:
                conn.sendall(CHUNK)
    except (OSError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    cert, key, port_file = sys.argv[1:4]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    with open(port_file, "w") as f:
        f.write(str(listener.getsockname()[1]))
    while True:
        raw, _ = listener.accept()
        try:
            conn = context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
