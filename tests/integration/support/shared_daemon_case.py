"""A test class that shares one daemon and one SMTP sink between its tests: setUpClass (the
test's own) sets `cls.env` and `cls.sink`; this stops both at the end, and runs a person's
own commands over ssh."""
import unittest


class SharedDaemonCase(unittest.TestCase):
    env = None
    sink = None

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.env is not None:
                cls.env.stop()
                cls.env.close()
        finally:
            if cls.sink is not None:
                cls.sink.stop()

    def own(self, person, *command):
        """`ssh PERSON@gate COMMAND…`: (exit code, stdout, stderr)."""
        r = self.env.ssh(*command, person=person, target="")
        return r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")
