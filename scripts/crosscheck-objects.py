#!/usr/bin/env python3
"""Cross-checks the object-seal vector of docs/test-vectors-objects.json (PROTOCOL.md §20) with
implementations independent of the node: a small RFC 8785 canonicaliser written here from the
RFC (enough for the vector: strings, integers, floats Python's repr writes as ECMAScript does),
OpenSSL 3 for SM3 and for verifying the SM2 seal; and the redaction digest of PROTOCOL.md §21. With --openssl-vector it also seals the vector's
object with a fresh OpenSSL key and stores that as `openssl_seal`, which the Rust tests verify.

Usage: python3 scripts/crosscheck-objects.py [--openssl-vector]
"""
import base64
import copy
import hashlib
import json
import os
import sys
import tempfile

from sm2der import der_signature, openssl, parse_der_signature, spki_pem

FILE = os.path.join(os.path.dirname(__file__), "..", "docs", "test-vectors-objects.json")


def jcs(value):
    """RFC 8785: members sorted by UTF-16 code units, no white space, ECMAScript numbers."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(jcs(k) + ":" + jcs(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(jcs(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert abs(value) < 1e21, "exponent forms are not needed by the vector"
        return str(int(value)) if value.is_integer() else repr(value)
    return json.dumps(value, ensure_ascii=False)


def sm3(data):
    return hashlib.new("sm3", data).digest()


def unsealed_bytes(obj):
    obj = copy.deepcopy(obj)
    obj["header"].pop("seal", None)
    return jcs(obj).encode()


def main():
    vectors = json.load(open(FILE, encoding="utf-8"))
    v = vectors["seal"]
    message = unsealed_bytes(v["object_unsealed"])
    assert message == v["signing_bytes"].encode(), "RFC 8785 bytes differ"
    assert message == unsealed_bytes(v["object_sealed"]), "the sealed object signs other bytes"
    print("jcs: the signing bytes match")
    r = vectors["redaction"]
    field_salt = sm3(b"ZL-OBJECT-FIELD-SALT-V1" + bytes.fromhex(r["snapshot_salt_hex"]) + r["pointer"].encode())
    assert field_salt.hex() == r["field_salt_hex"], "field salt differs"
    assert "sm3:" + sm3(field_salt + jcs(r["value"]).encode()).hex() == r["digest"], "digest differs"
    print("redaction: the field salt and digest match (hashlib SM3)")
    with tempfile.TemporaryDirectory() as tmp:
        pem, msg, sig = (os.path.join(tmp, n) for n in ("pub.pem", "msg", "sig.der"))
        open(msg, "wb").write(message)
        digest = openssl("dgst", "-sm3", "-r", msg).stdout.split()[0].decode()
        assert digest == v["sm3_of_signing_bytes"], "SM3 differs"
        seal = v["object_sealed"]["header"]["seal"]
        open(pem, "w").write(spki_pem(bytes.fromhex(seal["pub_key"]["value"])))
        open(sig, "wb").write(der_signature(bytes.fromhex(seal["signature"])))
        openssl("pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", msg, "-sigfile", sig,
                "-digest", "sm3", "-pkeyopt", "distid:1234567812345678")
        print("openssl: SM3 matches; the seal verifies (distid 1234567812345678)")
        if "--openssl-vector" in sys.argv:
            key = os.path.join(tmp, "key.pem")
            openssl("genpkey", "-algorithm", "SM2", "-out", key)
            openssl("pkey", "-in", key, "-pubout", "-out", pem)
            openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg, "-out", sig,
                    "-digest", "sm3", "-pkeyopt", "distid:1234567812345678")
            point = openssl("pkey", "-pubin", "-in", pem, "-outform", "DER").stdout[-65:]
            sealed = copy.deepcopy(v["object_unsealed"])
            sealed["header"]["seal"] = {
                "pub_key": {"type": "SM2", "value": point.hex()},
                "digest_algo": "SM3",
                "signature": parse_der_signature(open(sig, "rb").read()).hex(),
            }
            vectors["openssl_seal"] = {
                "made_by": "openssl 3.0.19 pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678",
                "object_sealed": sealed,
            }
            with open(FILE, "w", encoding="utf-8") as out:
                out.write(json.dumps(vectors, ensure_ascii=False, indent=2) + "\n")
            print("wrote openssl_seal")


if __name__ == "__main__":
    main()
