"""The audit chain anchored at both ends, through the real gatehoused and the real
`gatehouse audit verify`: with `audit.signing_key` the log starts with an `audit.genesis`
record and carries signed `audit.checkpoint` lines (every `checkpoint_every` lines, at each
rotation, at stop), and LOG.head holds the signed head. Verify then reports the first 50
lines of a rotated file deleted (a cut head), the last 10 lines of the live file deleted (a
cut tail; while the daemon runs and after it stopped), and a line edited with every hash
after it recomputed (a forged re-hash: the checkpoint MACs fail). The syslog forward carries
the checkpoints. `gatehouse audit` and `audit verify` read the log off the daemon's io
thread: it answers meanwhile."""
import glob
import hashlib
import hmac
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "support"))
from gatehouse_env import Env, wait_for  # noqa: E402
from syslog_collector import StreamCollector  # noqa: E402


def chain_files(log):
    rotated = sorted(glob.glob(log + ".[0-9]*"), key=lambda p: int(p.rsplit(".", 1)[1]))
    return rotated + [log]


def read_lines(path):
    with open(path) as f:
        return f.read().splitlines()


def write_lines(path, lines):
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))


def line_hash(body):
    """The hash of a line whose text without `,"hash":"…"}` is `body`."""
    return hashlib.sha256((body + "}").encode()).hexdigest()


def rehash_from(files, index, start):
    """What a forger without the key does after editing line `start` of files[index]:
    recompute prev_hash and hash of every later line (and a checkpoint's head_hash)."""
    previous = None
    for f in range(index, len(files)):
        lines = read_lines(files[f])
        for i in range(start if f == index else 0, len(lines)):
            if previous is None:
                previous = (lines[i - 1] if i else read_lines(files[f - 1])[-1])[-66:-2]
            old = json.loads(lines[i])["prev_hash"]
            body = lines[i][:-75].replace(old, previous)
            previous = line_hash(body)
            lines[i] = body + ',"hash":"' + previous + '"}'
        write_lines(files[f], lines)


class AnchoredEnv(Env):
    def __init__(self, checkpoint_every=20, max_file_size="32K", syslog=None):
        super().__init__()
        self.audit_log = os.path.join(self.dir, "audit", "audit.jsonl")
        os.makedirs(os.path.dirname(self.audit_log))
        self.key_file = os.path.join(self.dir, "audit.key")
        with open(os.open(self.key_file, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as f:
            f.write(os.urandom(32))
        section = (f"audit:\n  log: {self.audit_log}\n  signing_key: {self.key_file}\n"
                   f"  checkpoint_every: {checkpoint_every}\n  max_file_size: {max_file_size}\n")
        if syslog:
            section += f'  syslog: "{syslog}"\n'
        self.write_config(self.config_text().replace("users:\n", section + "users:\n", 1))

    def key(self):
        with open(self.key_file, "rb") as f:
            return f.read()

    def make_events(self, n):
        """n admin.action events (an admin call that fails still is one)."""
        for _ in range(n):
            self.cli("kill", "no-such-session")

    def verify_files(self, *extra):
        return self.cli("audit", "verify", *chain_files(self.audit_log), *extra)


class AnchoredChain(unittest.TestCase):
    def start(self, **kw):
        env = AnchoredEnv(**kw)
        self.addCleanup(env.close)
        env.start()
        return env

    def test_genesis_checkpoints_and_a_clean_stop_verify(self):
        env = self.start()
        env.make_events(300)
        r = env.cli("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("head anchored by its genesis record", r.stdout)
        self.assertIn("tail anchored by", r.stdout)
        self.assertEqual(env.stop(), 0)
        files = chain_files(env.audit_log)
        self.assertGreaterEqual(len(files), 3)
        first = json.loads(read_lines(files[0])[0])
        self.assertEqual((first["seq"], first["event"]), (1, "audit.genesis"))
        self.assertEqual(first["instance"], "test-gate")
        for f in files[:-1]:  # sealed by a checkpoint ("rotation", or "interval" just before)
            self.assertEqual(json.loads(read_lines(f)[-1])["event"], "audit.checkpoint", f)
        last = json.loads(read_lines(env.audit_log)[-1])
        self.assertEqual((last["event"], last["reason"]), ("audit.checkpoint", "stop"))
        r = env.verify_files("--key", env.key_file)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^intact: \d+ events, seq 1\.\.\d+")
        self.assertRegex(r.stdout, r"\d+ checkpoints verified with key [0-9a-f]{16}")

    def test_deleting_the_first_50_lines_of_a_rotated_file_is_reported(self):
        env = self.start()
        env.make_events(300)
        rotated = chain_files(env.audit_log)[0]
        lines = read_lines(rotated)
        self.assertGreater(len(lines), 60)
        write_lines(rotated, lines[50:])
        r = env.cli("audit", "verify")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(f"{rotated}:1: cut head: the chain starts at seq 51", r.stderr)

    def test_deleting_the_last_10_lines_of_the_live_file_is_reported(self):
        env = self.start()
        env.make_events(60)
        lines = read_lines(env.audit_log)
        self.assertGreater(len(lines), 10)
        write_lines(env.audit_log, lines[:-10])
        # While the daemon runs: it knows how far it wrote.
        r = env.cli("audit", "verify")
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertIn(f"{env.audit_log}:{len(lines) - 10}: cut tail", r.stderr)
        self.assertEqual(env.stop(), 0)

    def test_deleting_the_last_10_lines_after_a_stop_is_reported(self):
        env = self.start()
        env.make_events(60)
        self.assertEqual(env.stop(), 0)
        self.assertEqual(env.verify_files("--key", env.key_file).returncode, 0)
        lines = read_lines(env.audit_log)
        write_lines(env.audit_log, lines[:-10])
        for extra in (("--key", env.key_file), ()):
            r = env.verify_files(*extra)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn(f"{env.audit_log}:{len(lines) - 10}: cut tail: the log ends at seq",
                          r.stderr)
            self.assertIn("the signed head in " + env.audit_log + ".head", r.stderr)
        # The daemon does not continue a chain whose tail was cut.
        env.start(wait=False)
        wait_for(lambda: "lines were cut from its end" in env.log(), what="the refusal")

    def test_a_re_hashed_forgery_without_the_key_is_reported(self):
        env = self.start()
        env.make_events(120)
        self.assertEqual(env.stop(), 0)
        files = chain_files(env.audit_log)
        lines = read_lines(files[0])
        self.assertIn("no-such-session", lines[5])
        lines[5] = lines[5].replace("no-such-session", "nothing-to-see")
        write_lines(files[0], lines)
        rehash_from(files, 0, 5)
        r = env.verify_files("--key", env.key_file)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertRegex(r.stderr, rf"^gatehouse: {files[0]}:\d+: the checkpoint MAC does not "
                                   "verify: the lines it signs were changed and re-hashed")
        bad_line = int(r.stderr.split(":")[2])
        self.assertGreater(bad_line, 6)
        self.assertEqual(json.loads(read_lines(files[0])[bad_line - 1])["event"],
                         "audit.checkpoint")


class CheckpointsOverSyslog(unittest.TestCase):
    def test_the_forward_carries_checkpoints_whose_mac_verifies(self):
        with StreamCollector() as collector:
            env = AnchoredEnv(checkpoint_every=10, syslog=f"tcp://127.0.0.1:{collector.port}")
            self.addCleanup(env.close)
            env.start()
            env.make_events(15)

            def checkpoints():
                lines = [json.loads(m[m.index("] {") + 2:]) for m in collector.received()]
                return [e for e in lines if e["event"] == "audit.checkpoint"]

            wait_for(checkpoints, what="a checkpoint over syslog")
            c = checkpoints()[0]
            message = f"gatehouse audit head v1\n{c['chain_id']}\n{c['head_seq']}\n{c['head_hash']}"
            expected = hmac.new(env.key(), message.encode(), hashlib.sha256).hexdigest()
            self.assertEqual(c["mac"], expected)
            genesis = [m for m in collector.received() if "audit.genesis" in m]
            self.assertEqual(len(genesis), 1)


class VerifyOffTheIoThread(unittest.TestCase):
    def test_the_daemon_answers_while_verify_reads_a_large_log(self):
        env = Env()
        self.addCleanup(env.close)
        log = os.path.join(env.dir, "audit.jsonl")
        previous = "0" * 64
        with open(log + ".1", "w") as f:  # a valid older chain (no genesis), ~90 MB
            for seq in range(1, 400001):
                body = (f'{{"ts":"2026-11-01T10:00:00.000Z","seq":{seq},"event":"sftp.open",'
                        f'"path":"/srv/data/file-{seq}.bin","person":"alice","server":"web01",'
                        f'"prev_hash":"{previous}"')
                previous = line_hash(body)
                f.write(f'{body},"hash":"{previous}"}}\n')
        section = f"audit:\n  log: {log}\n"
        env.write_config(env.config_text().replace("users:\n", section + "users:\n", 1))
        env.start()
        done = {}

        def verify():
            done["reply"] = env.cli("audit", "verify")
            done["verify"] = time.monotonic()

        started = time.monotonic()
        worker = threading.Thread(target=verify)
        worker.start()
        time.sleep(0.2)  # the verify is under way
        status = env.cli("status")
        done["status"] = time.monotonic()
        worker.join(600)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertEqual(done["reply"].returncode, 0, done["reply"].stderr)
        self.assertIn("intact: 400000 events", done["reply"].stdout)
        self.assertIn("no genesis record", done["reply"].stdout)
        self.assertGreater(done["verify"] - started, 0.6, "the log was read too fast to tell")
        self.assertLess(done["status"], done["verify"], "gatehouse status waited for verify")


if __name__ == "__main__":
    unittest.main(verbosity=2)
