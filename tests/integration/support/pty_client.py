"""A client program on a pseudo-terminal, as a person at a keyboard runs it: OpenSSH asks
keyboard-interactive prompts (a justification) only on a terminal. The tests read what it
shows, answer prompts and wait for it to end.

PtyClient(args): started at once; `expect(text)` reads until `text` has been shown (or fails
after the timeout); `send(text)` types; `finish()` waits for the exit and returns (exit code,
everything shown)."""
import os
import pty
import select
import time


class PtyClient:
    def __init__(self, args):
        self.output = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execvp(args[0], args)
            finally:
                os._exit(127)
        self._closed = False

    def _read(self, seconds):
        """Reads what the program shows for up to `seconds`; False once it has closed."""
        if self._closed:
            return False
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # EIO: the program has ended
            chunk = b""
        if not chunk:
            self._closed = True
            return False
        self.output += chunk
        return True

    def expect(self, text, timeout=20):
        want = text.encode() if isinstance(text, str) else text
        deadline = time.time() + timeout
        while want not in self.output and time.time() < deadline:
            if not self._read(0.2):
                break
        if want not in self.output:
            raise AssertionError(f"{want!r} was never shown; the client showed:\n"
                                 + self.output.decode(errors="replace"))

    def send(self, text):
        os.write(self.fd, text.encode() if isinstance(text, str) else text)

    def finish(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline and self._read(0.2):
            pass
        done, status = os.waitpid(self.pid, os.WNOHANG)
        if done == 0:
            os.kill(self.pid, 9)
            _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status), self.output.decode(errors="replace")
