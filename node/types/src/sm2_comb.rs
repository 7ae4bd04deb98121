//! SM2 signing and verification (GB/T 32918.2) with a precomputed table of multiples of the
//! generator G: the `sm2` crate's arithmetic and formulas, a faster way to compute [k]G.
//!
//! Why: the `sm2` crate computes [k]G with the same generic 4-bit window it uses for any point
//! (252 doublings and 64 additions), and verification as two such products. [k]G is the whole
//! cost of a signature and half of a verification, and SM2 signatures bound the bridge and
//! every `sm` chain. A fixed-base comb — [k]G as the sum of one table entry per 4-bit digit of k,
//! [d_w · 16^w]G for w = 0..63 — takes 64 mixed additions and no doubling. Everything else is the
//! crate's: field and scalar arithmetic, the complete addition formulas, SM3, RFC 6979 nonces,
//! and the steps A1-A7 and B1-B7 in the crate's order. The outputs are the crate's bit for bit
//! (`tests/sm2_comb.rs` checks signatures byte-equal and verdicts equal on random keys,
//! messages and tampered signatures), so this is an optimisation, not another algorithm.
//!
//! Table lookups read all 16 entries of a window and select one in constant time, as the crate's
//! own window does, so the digits of a secret nonce do not steer memory accesses.

use sm2::dsa::{Signature, SigningKey, VerifyingKey};
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm2::elliptic_curve::subtle::{ConditionallySelectable, ConstantTimeEq};
use sm2::elliptic_curve::{BatchNormalize, Curve, FieldBytesEncoding, PrimeField};
use sm2::{AffinePoint, ProjectivePoint, Scalar, Sm2};
use sm3::{Digest, Sm3};
use std::sync::OnceLock;

/// 4-bit digits of a 256-bit scalar: one table row each.
const WINDOWS: usize = 64;
/// Non-zero digit values: a row holds [1..15]·16^w·G (digit 0 is the identity, not stored).
const ROW: usize = 15;

/// `[j · 16^w] G` at `[w][j - 1]`, in affine form so each addition is a mixed one.
type CombTable = Vec<[AffinePoint; ROW]>;

fn generator_table() -> &'static CombTable {
    static TABLE: OnceLock<CombTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut points = Vec::with_capacity(WINDOWS * ROW);
        let mut base = ProjectivePoint::GENERATOR;
        for _ in 0..WINDOWS {
            let mut multiple = base;
            for _ in 0..ROW {
                points.push(multiple);
                multiple += base;
            }
            // `multiple` is now 16 · base: the next window's base.
            base = multiple;
        }
        let affine = <ProjectivePoint as BatchNormalize<[ProjectivePoint]>>::batch_normalize(
            points.as_slice(),
        );
        affine
            .chunks_exact(ROW)
            .map(|row| std::array::from_fn(|j| row[j]))
            .collect()
    })
}

/// [k]G through the comb table, in constant time for the digits of `k`.
pub(crate) fn mul_generator(k: &Scalar) -> ProjectivePoint {
    let table = generator_table();
    let bytes = k.to_repr(); // big-endian
    let mut sum = ProjectivePoint::IDENTITY;
    for (w, row) in table.iter().enumerate() {
        let byte = bytes[bytes.len() - 1 - w / 2];
        let digit = (byte >> ((w % 2) * 4)) & 0x0f;
        let mut entry = AffinePoint::IDENTITY;
        for (j, candidate) in row.iter().enumerate() {
            // j + 1 <= 15 always fits a u8.
            entry.conditional_assign(candidate, digit.ct_eq(&((j + 1) as u8)));
        }
        sum += entry;
    }
    sum
}

/// `Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)` (GB/T 32918.2 §5.5).
fn user_digest(user_id: &str, public_key: &AffinePoint) -> Option<[u8; 32]> {
    use primeorder::PrimeCurveParams;
    use sm2::elliptic_curve::sec1::Coordinates;
    let bits = u16::try_from(user_id.len().checked_mul(8)?).ok()?;
    let mut sm3 = Sm3::new();
    sm3.update(bits.to_be_bytes());
    sm3.update(user_id.as_bytes());
    sm3.update(Sm2::EQUATION_A.to_bytes());
    sm3.update(Sm2::EQUATION_B.to_bytes());
    sm3.update(Sm2::GENERATOR.0.to_bytes());
    sm3.update(Sm2::GENERATOR.1.to_bytes());
    match public_key.to_encoded_point(false).coordinates() {
        Coordinates::Uncompressed { x, y } => {
            sm3.update(x);
            sm3.update(y);
            Some(sm3.finalize().into())
        }
        _ => None,
    }
}

/// `e = SM3(Z_A ‖ M)` as a scalar.
fn message_scalar(user_id: &str, public_key: &AffinePoint, message: &[u8]) -> Option<Scalar> {
    let z = user_digest(user_id, public_key)?;
    let digest = Sm3::new_with_prefix(z).chain_update(message).finalize();
    Some(<Scalar as Reduce<sm2::U256>>::reduce_bytes(&digest))
}

/// Signs `message` as the `sm2` crate's `Signer::sign` does (RFC 6979 nonce), with [k]G from
/// the comb. `None` only for the negligible r = 0 / r + k = n / s = 0 cases the crate refuses.
pub(crate) fn sign(key: &SigningKey, user_id: &str, message: &[u8]) -> Option<Signature> {
    let d: &Scalar = key.as_nonzero_scalar().as_ref();
    let e = message_scalar(user_id, key.verifying_key().as_affine(), message)?;
    let order = FieldBytesEncoding::<Sm2>::encode_field_bytes(&Sm2::ORDER);
    let nonce = rfc6979::generate_k::<Sm3, _>(&d.to_repr(), &order, &e.to_repr(), &[]);
    let k = Option::<Scalar>::from(Scalar::from_repr(nonce))?;
    let point = mul_generator(&k).to_affine();
    let r = e + <Scalar as Reduce<sm2::U256>>::reduce_bytes(&point.x());
    if bool::from(r.is_zero() | (r + k).ct_eq(&Scalar::ZERO)) {
        return None;
    }
    let d_plus_1_inv = Option::<Scalar>::from((*d + Scalar::ONE).invert())?;
    let s = d_plus_1_inv * (k - r * d);
    Signature::from_scalars(r, s).ok()
}

/// Verifies as the `sm2` crate's `Verifier::verify` does, with [s']G from the comb.
pub(crate) fn verify(
    key: &VerifyingKey,
    user_id: &str,
    message: &[u8],
    signature: &Signature,
) -> bool {
    let Some(e) = message_scalar(user_id, key.as_affine(), message) else {
        return false;
    };
    // r' and s' are in [1, n-1]: `Signature` parsing checked that.
    let r: Scalar = *signature.r().as_ref();
    let s: Scalar = *signature.s().as_ref();
    let t = r + s;
    if bool::from(t.is_zero()) {
        return false;
    }
    let point = (mul_generator(&s) + ProjectivePoint::from(*key.as_affine()) * t).to_affine();
    r == e + <Scalar as Reduce<sm2::U256>>::reduce_bytes(&point.x())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_comb_agrees_with_the_crates_multiplication() {
        let minus_one = -Scalar::ONE;
        let mut scalars = vec![Scalar::ZERO, Scalar::ONE, minus_one, Scalar::from(16u64)];
        let mut k = Scalar::from(0x1234_5678_9abc_def0u64);
        for _ in 0..20 {
            k = k.square() + Scalar::from(7u64);
            scalars.push(k);
        }
        for k in scalars {
            assert_eq!(
                mul_generator(&k).to_affine(),
                (ProjectivePoint::GENERATOR * k).to_affine(),
                "[k]G for k = {:?}",
                k.to_repr()
            );
        }
    }
}
