"""SSH scenarios on loopback: a real OpenSSH sshd as the target server (own host key,
AuthorizedKeysFile with the account key, the current user as the account), the real
gatehoused in front of it, and the real ssh / scp / sftp / rsync clients.

SshEnv extends gatehouse_env.Env; everything binds 127.0.0.1 on free ports."""
import getpass
import os
import shutil
import subprocess
import textwrap
import time

from gatehouse_env import Env, free_port, wait_for

SSHD = "/usr/sbin/sshd"
SFTP_SERVER = next((p for p in ("/usr/lib/openssh/sftp-server", "/usr/libexec/sftp-server")
                    if os.path.exists(p)), "internal-sftp")
CLIENT_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "LogLevel=INFO", "-o", "IdentitiesOnly=yes"]
BATCH = ["-o", "BatchMode=yes"]


class SshEnv(Env):
    """Env plus an sshd target ("web01", account = the current user)."""

    def __init__(self):
        super().__init__()
        self.account = getpass.getuser()
        self.sshd_port = free_port()
        self.sshd_proc = None
        self._sshd_log = None
        self.sshd_log_path = os.path.join(self.dir, "sshd.log")
        # The target account's HOME (sshd's SetEnv): its shell then reads no dotfiles of the
        # machine's (bash sources ~/.bashrc under sshd even for `bash -c`; a pyenv init there
        # made every login cost ~0.1 s and 250 concurrent ones a lock fight).
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)

    # --- the target server -------------------------------------------------------------
    def start_sshd(self, extra="", authorized_keys=True):
        """`extra`: more sshd_config lines (benchmarks raise MaxStartups). Without
        `authorized_keys` the account has none (AuthorizedKeysFile none): only certificates
        of a CA in `extra`'s TrustedUserCAKeys let anyone in."""
        os.makedirs("/run/sshd", exist_ok=True)
        auth = os.path.join(self.dir, "authorized_keys")
        with open(self.account_key + ".pub") as f, open(auth, "w") as out:
            out.write(f.read())
        if not authorized_keys:
            auth = "none"
        conf = os.path.join(self.dir, "sshd_config")
        with open(conf, "w") as f:
            f.write(textwrap.dedent(f"""\
                Port {self.sshd_port}
                ListenAddress 127.0.0.1
                HostKey {self.dir}/upstream_host
                PidFile {self.dir}/sshd.pid
                AuthorizedKeysFile {auth}
                StrictModes no
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                PubkeyAuthentication yes
                PermitRootLogin prohibit-password
                UsePAM no
                AcceptEnv LANG LC_* GATEHOUSE_*
                Subsystem sftp {SFTP_SERVER}
                LogLevel VERBOSE
                SetEnv HOME={self.home}
                """) + extra)
        self._sshd_log = open(self.sshd_log_path, "ab")
        self.sshd_proc = subprocess.Popen([SSHD, "-D", "-e", "-f", conf], stdout=self._sshd_log,
                                          stderr=subprocess.STDOUT)
        wait_for(self._sshd_listening, timeout=10, what="sshd listening")

    def _sshd_listening(self):
        import socket
        if self.sshd_proc.poll() is not None:
            raise AssertionError("sshd exited:\n" + open(self.sshd_log_path).read())
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", self.sshd_port)) == 0

    def audit_paths(self):
        """(audit log, recordings directory) in the test directory; the directory exists."""
        recordings = os.path.join(self.dir, "recordings")
        os.makedirs(recordings, exist_ok=True)
        return os.path.join(self.dir, "audit.jsonl"), recordings

    # --- configuration -------------------------------------------------------------------
    def ssh_config_text(self, mode="allow", rule_extra="", host_key=None, extra_servers="",
                        instance_name="test-gate", recordings=None, listen_extra=""):
        """`listen_extra`: more listen.ssh keys, e.g. "max_held_per_person: 100"."""
        host_key = host_key or " ".join(self.upstream_host_key.split()[:2])
        approvers = "\n    approvers: [bob, carol]\n    condition: any" if mode == "approve" else ""
        listen_extra = ", " + listen_extra if listen_extra else ""
        return textwrap.dedent(f"""\
            instance_name: {instance_name}
            store: "sqlite:{self.dir}/gatehouse.db"
            listen:
              ssh: {{ address: "127.0.0.1:{self.ssh_port}", host_keys: [{self.host_key}]{listen_extra} }}
              admin: {{ socket: {self.socket} }}
            """) + (f"audit: {{ recordings: {recordings} }}\n" if recordings else "") + textwrap.dedent(f"""\
            users:
              - name: alice
                email: alice@example.com
                ssh_keys: ["{self.keys['alice']}"]
                groups: [developers]
              - name: bob
                email: bob@example.com
                ssh_keys: ["{self.keys['bob']}"]
              - name: carol
                email: carol@example.com
                ssh_keys: ["{self.keys['carol']}"]
            groups:
              - name: developers
                managers: [bob]
            servers:
              - name: web01
                protocol: ssh
                address: "127.0.0.1:{self.sshd_port}"
                host_key: "{host_key}"
                accounts:
                  - {{ name: {self.account}, key_file: {self.account_key} }}
            """) + textwrap.indent(extra_servers, "  ") + textwrap.dedent(f"""\
            rules:
              - name: web-rule
                users: [alice]
                servers: [web01]
                accounts: ["*"]
                mode: {mode}""") + approvers + "\n" + rule_extra

    def servers_yaml(self, names, groups=None):
        """`servers:` list entries (indented two spaces) for servers that all reach the one
        sshd with the account's key, each in the server groups `groups[name]` if given."""
        key = " ".join(self.upstream_host_key.split()[:2])
        out = ""
        for name in names:
            out += f"""
  - name: {name}
    protocol: ssh
    address: "127.0.0.1:{self.sshd_port}"
    host_key: "{key}"
    accounts:
      - {{ name: {self.account}, key_file: {self.account_key} }}"""
            if groups is not None:
                out += f"\n    groups: [{groups.get(name, '')}]"
        return out

    # --- clients ---------------------------------------------------------------------------
    def ssh_args(self, person="alice", target=None, opts=(), batch=True):
        login = f"{person}@{self.account}@web01" if target is None else (
            f"{person}@{target}" if target else person)
        return ["ssh", *CLIENT_OPTS, *(BATCH if batch else []), *opts, "-i",
                os.path.join(self.dir, person),
                "-p", str(self.ssh_port), f"{login}@127.0.0.1"]

    def ssh(self, *command, person="alice", target=None, opts=(), input=None, timeout=60):
        return subprocess.run(self.ssh_args(person, target, opts) + list(command),
                              capture_output=True, input=input, timeout=timeout)

    def ssh_popen(self, *command, person="alice", target=None, opts=(), **kw):
        return subprocess.Popen(self.ssh_args(person, target, opts) + list(command),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)

    def scp_base(self, person="alice"):
        return ["scp", *CLIENT_OPTS, *BATCH, "-i", os.path.join(self.dir, person), "-P",
                str(self.ssh_port)]

    def remote(self, path, person="alice"):
        return f"{person}@{self.account}@web01@127.0.0.1:{path}"

    def close(self):
        try:
            if self.sshd_proc and self.sshd_proc.poll() is None:
                self.sshd_proc.terminate()
                self.sshd_proc.wait(10)
        finally:
            if self._sshd_log:
                self._sshd_log.close()
            super().close()
