//! `zl bench objects`: on one thread, the rates that bound the bridge before consensus —
//! full validation of business data objects (official schema made strict, and every extra
//! check), seal verification (RFC 8785 bytes, SM3, SM2), redaction of personal members, and raw
//! SM2 verification beside them. The objects are the pilot's own fixtures (made valid as
//! `node/objects/tests/mutations.rs` does), bundled into the binary.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use rand_core::OsRng;
use serde::Serialize;
use serde_json::{json, Value};
use zl_objects::normalise::normalise_pilot_variants;
use zl_objects::redact::redact;
use zl_types::object::{seal_object, verify_seal};
use zl_types::{CryptoSuite, SecretKey};

/// Longest measurement of one rate, in seconds.
pub(crate) const SECONDS_MAX: u64 = 600;

/// What was measured.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ObjectFigures {
    /// Seconds each rate was measured.
    pub(crate) seconds_each: f64,
    /// Objects in the rotation and their mean JSON size.
    pub(crate) objects: usize,
    /// Mean bytes of an object's JSON.
    pub(crate) mean_object_bytes: usize,
    /// Full validations (`zl_objects::check_object`) per second on one thread.
    pub(crate) validations_per_s: f64,
    /// Seal verifications (`verify_seal`: canonical bytes, SM3, SM2) per second.
    pub(crate) seal_verifications_per_s: f64,
    /// Redactions of personal members per second.
    pub(crate) redactions_per_s: f64,
    /// Raw SM2 verifications of a 64-byte message per second.
    pub(crate) sm2_verifications_per_s: f64,
}

fn parse(text: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text).context("a bundled fixture is not JSON")
}

/// The rotation: subject-2, subject-4, product-1 and registration-3, each made valid.
fn objects() -> anyhow::Result<Vec<Value>> {
    let subject_2 = parse(include_str!(
        "../../../node/objects/tests/fixtures/subject-2.json"
    ))?;
    let mut subject_4 = parse(include_str!(
        "../../../node/objects/tests/fixtures/subject-4.json"
    ))?;
    subject_4["header"]["content"]["type"] = json!("subject");
    let mut product_1 = parse(include_str!(
        "../../../node/objects/tests/fixtures/product-1.json"
    ))?;
    let at = "/body/product_information/essential_information/basic_product_information/product_market_subject_ref";
    *product_1
        .pointer_mut(at)
        .context("product-1 has its market reference")? =
        json!("gdTokenZ0SETDXj111111111111111111111/0");
    let mut registration_3 = parse(include_str!(
        "../../../node/objects/tests/fixtures/registration-3.json"
    ))?;
    normalise_pilot_variants(&mut registration_3);
    let all = vec![subject_2, subject_4, product_1, registration_3];
    for object in &all {
        if let Err(violations) = zl_objects::check_object(object) {
            bail!("a benchmark object does not validate: {violations:?}");
        }
    }
    Ok(all)
}

/// Measures the four rates, each for `seconds`.
pub(crate) fn run(seconds: u64) -> anyhow::Result<ObjectFigures> {
    let measure = Duration::from_secs(seconds);
    let key = SecretKey::generate(CryptoSuite::Sm, &mut OsRng);
    let objects = objects()?;
    let mut sealed = objects.clone();
    for object in &mut sealed {
        seal_object(object, &key).context("sealing a benchmark object")?;
    }
    let bytes: usize = objects
        .iter()
        .map(|o| serde_json::to_vec(o).map(|b| b.len()).unwrap_or(0))
        .sum();
    let mut i = 0;
    let validations_per_s = rate(measure, || {
        i += 1;
        zl_objects::check_object(&objects[i % objects.len()])
            .map(|_| ())
            .map_err(|v| anyhow::anyhow!("{v:?}"))
    })?;
    let seal_verifications_per_s = rate(measure, || {
        i += 1;
        Ok(verify_seal(&sealed[i % sealed.len()]).map(|_| ())?)
    })?;
    let salt = [7u8; 32];
    let redactions_per_s = rate(measure, || {
        i += 1;
        redact(&objects[i % objects.len()], &salt);
        Ok(())
    })?;
    let message = [0x5a_u8; 64];
    let signature = key.sign(&message);
    let public = key.public_key();
    let sm2_verifications_per_s = rate(measure, || Ok(public.verify(&message, &signature)?))?;
    Ok(ObjectFigures {
        seconds_each: measure.as_secs_f64(),
        objects: objects.len(),
        mean_object_bytes: bytes / objects.len(),
        validations_per_s,
        seal_verifications_per_s,
        redactions_per_s,
        sm2_verifications_per_s,
    })
}

/// The figures as text.
pub(crate) fn summary(f: &ObjectFigures) -> String {
    format!(
        "objects: {} fixtures of {} bytes on average, {} s per rate, one thread\n\
         full validations:     {:>9.0} objects/s\n\
         seal verifications:   {:>9.0} objects/s\n\
         redactions:           {:>9.0} objects/s\n\
         raw SM2 verifications:{:>9.0} /s",
        f.objects,
        f.mean_object_bytes,
        f.seconds_each,
        f.validations_per_s,
        f.seal_verifications_per_s,
        f.redactions_per_s,
        f.sm2_verifications_per_s
    )
}

/// How many times per second `work` runs over `measure` on this thread; any failure ends it.
/// Shared by the single-thread phases of the benchmarks.
pub(crate) fn rate(
    measure: Duration,
    mut work: impl FnMut() -> anyhow::Result<()>,
) -> anyhow::Result<f64> {
    let start = Instant::now();
    let mut runs = 0u64;
    while start.elapsed() < measure {
        work().context("a measured operation failed on the benchmark's own data")?;
        runs += 1;
    }
    Ok(runs as f64 / start.elapsed().as_secs_f64())
}
