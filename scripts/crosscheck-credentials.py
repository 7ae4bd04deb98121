#!/usr/bin/env python3
"""Cross-checks docs/test-vectors-credentials.json (PROTOCOL §19) with independent tools:
pyld (PyPI) for the URDNA2015 N-Quads of both graphs, Python's own SM3-free check of the
signing-input layout, and OpenSSL 3 for the SM2 signature. With --openssl-vector it also makes a
fresh OpenSSL SM2 signature and prints the `openssl_sm2` entry for the vector file.

Usage: pip install pyld && python3 scripts/crosscheck-credentials.py [--openssl-vector]
"""
import base64, json, os, sys, tempfile

from sm2der import der_signature, openssl, parse_der_signature, spki_pem

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CONTEXTS = {
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://www.rem.com/2022/credentials/rems/v1": "rem-v1.jsonld",
}


def loader(url, options=None):
    path = os.path.join(ROOT, "node/credentials/contexts", CONTEXTS[url])
    with open(path) as f:
        return {"contextUrl": None, "documentUrl": url, "document": json.load(f)}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def spki_pem_xy(x, y):
    return spki_pem(b"\x04" + x + y)


def main():
    from pyld import jsonld

    jsonld.set_document_loader(loader)
    with open(os.path.join(ROOT, "docs/test-vectors-credentials.json")) as f:
        v = json.load(f)["sm2_signature_2022"]
    canon = lambda doc: jsonld.normalize(doc, {"algorithm": "URDNA2015", "format": "application/n-quads"})
    doc = v["credential_unsigned"]
    options = {k: val for k, val in v["proof"].items() if k != "proofValue"}
    options["@context"] = doc["@context"]
    assert canon(doc) == v["document_nquads"], "document N-Quads differ from pyld"
    assert canon(options) == v["options_nquads"], "options N-Quads differ from pyld"
    print("pyld: both canonical N-Quads match")

    signing_input = bytes.fromhex(v["signing_input_hex"])
    prefix = b64url(v["jws_header"].encode()).encode() + b"."
    assert signing_input[: len(prefix)] == prefix and len(signing_input) == len(prefix) + 64
    jwk = v["public_key_jwk"]
    pad = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    with tempfile.TemporaryDirectory() as tmp:
        pem, msg, sig = (os.path.join(tmp, n) for n in ("pub.pem", "msg", "sig.der"))
        open(pem, "w").write(spki_pem_xy(pad(jwk["x"]), pad(jwk["y"])))
        open(msg, "wb").write(signing_input)
        open(sig, "wb").write(der_signature(bytes.fromhex(v["signature_r_s_hex"])))
        # SM3 of each N-Quads text, by OpenSSL.
        for name in ("options", "document"):
            out = openssl("dgst", "-sm3", "-r", input=v[f"{name}_nquads"].encode()).stdout.split()[0].decode()
            assert out == v[f"sm3_{name}"], f"SM3 of the {name} N-Quads differs from OpenSSL"
        openssl("pkeyutl", "-verify", "-pubin", "-inkey", pem, "-rawin", "-in", msg, "-sigfile", sig,
                "-digest", "sm3", "-pkeyopt", "distid:1234567812345678")
        print("openssl: SM3 of both texts match; the SM2 signature verifies (distid 1234567812345678)")
        if "--openssl-vector" in sys.argv:
            key = os.path.join(tmp, "key.pem")
            openssl("genpkey", "-algorithm", "SM2", "-out", key)
            openssl("pkey", "-in", key, "-pubout", "-out", pem)
            message = b"ZhengLian SM2 cross-check"
            open(msg, "wb").write(message)
            openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", msg, "-out", sig,
                    "-digest", "sm3", "-pkeyopt", "distid:1234567812345678")
            der = openssl("pkey", "-pubin", "-in", pem, "-outform", "DER").stdout
            point = der[-65:]
            compressed = bytes([2 + (point[64] & 1)]) + point[1:33]
            print(json.dumps({"openssl_sm2": {
                "made_by": "openssl 3.0.19 pkeyutl -sign -rawin -digest sm3 -pkeyopt distid:1234567812345678",
                "public_key_sec1_compressed_hex": compressed.hex(),
                "message_hex": message.hex(),
                "signature_r_s_hex": parse_der_signature(open(sig, "rb").read()).hex(),
            }}, indent=2))


if __name__ == "__main__":
    main()
