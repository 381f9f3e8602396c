"""A syslog collector on 127.0.0.1 for stream transports: plain TCP, or TLS (RFC 5425) with a
given server context. A thread accepts connections and splits what arrives into RFC 6587
octet-counted messages ("LEN SP MSG"); TLS handshakes that fail are counted, not raised."""
import socket
import ssl
import threading


def octet_frames(data):
    """The complete octet-counted messages at the start of `data`, and the bytes left over."""
    messages = []
    while b" " in data:
        length, rest = data.split(b" ", 1)
        if len(rest) < int(length):
            break
        messages.append(rest[:int(length)].decode())
        data = rest[int(length):]
    return messages, data


class StreamCollector:
    def __init__(self, tls_context=None):
        self.tls_context = tls_context
        self.messages = []
        self.connections = 0
        self.failed_handshakes = 0
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(4)
        self._sock.settimeout(0.2)
        self.port = self._sock.getsockname()[1]
        self._stop = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop:
            try:
                conn, _ = self._sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with conn:
                self.connections += 1
                conn.settimeout(5)
                try:
                    stream = (self.tls_context.wrap_socket(conn, server_side=True)
                              if self.tls_context else conn)
                except (ssl.SSLError, OSError):
                    self.failed_handshakes += 1
                    continue
                with stream:
                    self._read(stream)

    def _read(self, stream):
        data = b""
        while not self._stop:
            try:
                chunk = stream.recv(65536)
            except socket.timeout:
                continue
            except (ssl.SSLError, OSError):
                return
            if not chunk:
                return
            messages, data = octet_frames(data + chunk)
            with self._lock:
                self.messages += messages

    def received(self):
        with self._lock:
            return list(self.messages)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop = True
        self._thread.join()
        self._sock.close()
