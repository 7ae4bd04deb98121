"""SM2 helpers shared by the cross-check scripts: DER signatures and public keys for OpenSSL,
and running OpenSSL."""
import base64
import subprocess


def der_len(n):
    return bytes([n]) if n < 128 else bytes([0x81, n])


def der_int(value):
    raw = value.to_bytes(32, "big").lstrip(b"\0") or b"\0"
    if raw[0] & 0x80:
        raw = b"\0" + raw
    return b"\x02" + der_len(len(raw)) + raw


def der_signature(r_s):
    body = der_int(int.from_bytes(r_s[:32], "big")) + der_int(int.from_bytes(r_s[32:], "big"))
    return b"\x30" + der_len(len(body)) + body


def parse_der_signature(der):
    assert der[0] == 0x30
    i = 2 if der[1] < 128 else 3
    out = b""
    for _ in range(2):
        assert der[i] == 0x02
        n = der[i + 1]
        out += int.from_bytes(der[i + 2 : i + 2 + n], "big").to_bytes(32, "big")
        i += 2 + n
    return out


def spki_pem(point):
    # SubjectPublicKeyInfo: id-ecPublicKey with the SM2 curve (1.2.156.10197.1.301).
    der = bytes.fromhex("3059301306072a8648ce3d020106082a811ccf5501822d034200") + point
    return "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(der).decode() + "\n-----END PUBLIC KEY-----\n"


def openssl(*args, **kw):
    return subprocess.run(["openssl", *args], check=True, capture_output=True, **kw)
