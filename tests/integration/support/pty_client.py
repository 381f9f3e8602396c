"""A client program on a pseudo-terminal, as a person at a keyboard runs it: OpenSSH asks
keyboard-interactive prompts (a justification) only on a terminal. The tests read what it
shows, answer prompts and wait for it to end.

PtyClient(args, size=None, env=None): started at once, on a terminal of `size` (rows, columns)
set before the program starts (set from the parent after the fork, a program that reads it
first would see 0x0); `expect(text)` reads until `text` has been shown (or fails after the
timeout); `send(text)` types; `resize(rows, columns)` changes the window as a terminal
emulator does; `finish()` waits for the exit (killing the program after its timeout, so a
failed test never hangs) and returns (exit code, everything shown)."""
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time


def _set_size(fd, rows, columns):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))


class PtyClient:
    def __init__(self, args, size=None, env=None):
        self.output = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                if size:
                    _set_size(0, *size)
                if env:
                    os.environ.update(env)
                os.execvp(args[0], args)
            finally:
                os._exit(127)
        self._closed = False

    def resize(self, rows, columns):
        _set_size(self.fd, rows, columns)
        os.kill(self.pid, signal.SIGWINCH)

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
