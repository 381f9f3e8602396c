"""Self-signed certificates for the test servers that speak TLS, made with the openssl CLI."""
import os
import subprocess


def self_signed_cert(directory, name, host="127.0.0.1", days=2, more_names=()):
    """A new EC (P-256) certificate and key for `host` (an IP address or a DNS name), and
    `more_names` (DNS names, wildcards too), in DIRECTORY/NAME.crt and DIRECTORY/NAME.key;
    returns (cert path, key path)."""
    cert, key = os.path.join(directory, name + ".crt"), os.path.join(directory, name + ".key")
    alt = ",".join([("IP:" if host.replace(".", "").isdigit() else "DNS:") + host] +
                   ["DNS:" + n for n in more_names])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", str(days), "-subj",
                    f"/CN={host}", "-addext", f"subjectAltName={alt}", "-keyout", key,
                    "-out", cert], check=True, capture_output=True)
    return cert, key
