"""A real PostgreSQL server for integration tests, as tests/storage/postgres_server.hpp starts
one for the unit suites: initdb into a fresh temporary directory, the server on a free
127.0.0.1 port (and a Unix socket in that directory), stopped and removed by close(). As root
(CI) it runs as the `postgres` user (runuser), who owns the directory.

daemon_config() turns an SshEnv's configuration into one daemon's of several on one store
(test_several_daemons.py, test_store_loss.py).

Binaries: /usr/lib/postgresql/15/bin (bookworm's postgresql-15) or $GATEHOUSE_PG_BIN. When
they are missing the constructor raises AssertionError saying so: the test FAILS (CI installs
them with scripts/install-deps), it never skips silently."""
import os
import pwd
import shutil
import subprocess
import tempfile

from gatehouse_env import free_port

PG_BIN = os.environ.get("GATEHOUSE_PG_BIN", "/usr/lib/postgresql/15/bin")


class PostgresServer:
    def __init__(self):
        for tool in ("initdb", "pg_ctl", "postgres"):
            if not os.path.exists(os.path.join(PG_BIN, tool)):
                raise AssertionError(
                    f"PostgreSQL server binaries not found in {PG_BIN} (install postgresql-15: "
                    "scripts/install-deps; or set GATEHOUSE_PG_BIN)")
        self.dir = tempfile.mkdtemp(prefix="gatehouse-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log_path = os.path.join(self.dir, "server.log")
        self.port = free_port()
        self.running = False
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.dir, pg.pw_uid, pg.pw_gid)
        r = subprocess.run(self._as_server_user(
            [os.path.join(PG_BIN, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--no-sync"]), capture_output=True, text=True)
        if r.returncode != 0:
            self.close()
            raise AssertionError(f"initdb failed:\n{r.stdout}{r.stderr}")
        self.start()

    def _as_server_user(self, argv):
        return (["runuser", "-u", "postgres", "--"] + argv) if os.geteuid() == 0 else argv

    def pg_ctl(self, *args):
        return subprocess.run(self._as_server_user([os.path.join(PG_BIN, "pg_ctl"), "-D",
                                                    self.data, *args]),
                              capture_output=True, text=True)

    def start(self):
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
                   " -c max_connections=300")
        r = self.pg_ctl("-l", self.log_path, "-w", "-t", "60", "-o", options, "start")
        if r.returncode != 0:
            raise AssertionError(f"PostgreSQL did not start:\n{r.stdout}{r.stderr}{self.log()}")
        self.running = True

    def stop(self, mode="fast"):
        r = self.pg_ctl("-m", mode, "-w", "stop")
        self.running = False
        return r

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-3000:]
        except (FileNotFoundError, PermissionError):
            return ""

    def url(self, database="postgres"):
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement, database="postgres"):
        """Runs one statement with psql; its output rows, unaligned."""
        r = subprocess.run(["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d",
                            self.url(database), "-c", statement],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise AssertionError(f"psql {statement!r} failed: {r.stderr}")
        return r.stdout

    def create_database(self, name):
        self.sql(f"CREATE DATABASE {name}")
        return self.url(name)

    def close(self):
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def daemon_config(store_url, ssh_env, env, name, top="", **ssh_config):
    """The configuration of SshEnv `ssh_env` (its people, keys and sshd target; `ssh_config`
    goes to its ssh_config_text, mode "approve" unless given) for daemon `env` (its own ssh
    port, admin socket and audit log) on the shared store `store_url`, with `top` (more
    top-level keys, e.g. "on_store_loss: terminate\n"). Returns (text, audit log path)."""
    ssh_config.setdefault("mode", "approve")
    text = ssh_env.ssh_config_text(instance_name=name, **ssh_config)
    text = text.replace(f'store: "sqlite:{ssh_env.dir}/gatehouse.db"', f'store: "{store_url}"')
    text = text.replace(f"127.0.0.1:{ssh_env.ssh_port}", f"127.0.0.1:{env.ssh_port}")
    text = text.replace(ssh_env.socket, env.socket)
    audit = os.path.join(env.dir, "audit.jsonl")
    return text.replace("users:\n", f"{top}audit:\n  log: {audit}\nusers:\n", 1), audit
