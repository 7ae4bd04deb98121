//! JSON-LD to canonical N-Quads: strict expansion with the bundled contexts, toRdf, then
//! URDNA2015 (RDFC-1.0, with the SHA-256 the algorithm defines). Expansion that would drop a
//! term is an error: undefined keys are rejected by the expansion policy, and a node id, type
//! or datatype that is not an absolute IRI (which toRdf would silently leave out) is found by a
//! walk of the expanded document.

use crate::contexts::{check_contexts, loader};
use crate::CredentialError;
use json_ld::expansion::{Action, Policy};
use json_ld::{syntax::Parse, Id, JsonLdProcessor, Options, RemoteDocument};
use rdf_types::{LiteralType, Term};

/// Hash-N-Degree-Quads calls URDNA2015 may make before it gives up: the bound that protects a
/// verifier from a crafted graph whose canonicalisation is exponential.
pub const HNDQ_CALLS_MAX: usize = 4_000;
/// Quads a document may have.
pub const QUADS_MAX: usize = 4_096;

fn expansion(why: impl ToString) -> CredentialError {
    CredentialError::Expansion(why.to_string())
}

/// The options of strict expansion: undefined or invalid terms are errors.
fn strict_options() -> Options {
    Options {
        expansion_policy: Policy {
            invalid: Action::Reject,
            vocab: Action::Reject,
            allow_undefined: false,
        },
        ..Options::default()
    }
}

/// The canonical N-Quads (UTF-8, one quad per line, each ending in `\n`) of a JSON-LD document
/// that uses only the bundled contexts.
pub fn canonical_nquads(document: &serde_json::Value) -> Result<String, CredentialError> {
    canonicalize_dataset(&to_dataset(document)?)
}

/// URDNA2015 of an RDF dataset: canonical N-Quads, bounded by [`HNDQ_CALLS_MAX`].
pub fn canonicalize_dataset(dataset: &oxrdf::Dataset) -> Result<String, CredentialError> {
    let options = rdf_canon::CanonicalizationOptions {
        hndq_call_limit: Some(HNDQ_CALLS_MAX),
    };
    rdf_canon::canonicalize_with::<sha2::Sha256>(dataset, &options)
        .map_err(|e| CredentialError::Canonicalisation(e.to_string()))
}

/// The RDF dataset of a JSON-LD document (strict expansion, then toRdf).
pub fn to_dataset(document: &serde_json::Value) -> Result<oxrdf::Dataset, CredentialError> {
    check_contexts(document)?;
    crate::shape::check_plain_json("document", document)?;
    let text = serde_json::to_string(document).map_err(expansion)?;
    let (value, _) = json_ld::syntax::Value::parse_str(&text).map_err(expansion)?;
    let remote = RemoteDocument::new(None, None, value);
    let generator = rdf_types::generator::Blank::new();
    let mut rdf =
        futures::executor::block_on(remote.to_rdf_using(generator, loader(), strict_options()))
            .map_err(expansion)?;
    check_nothing_dropped(rdf.document())?;
    let mut dataset = oxrdf::Dataset::new();
    for quad in rdf.cloned_quads() {
        if dataset.len() >= QUADS_MAX {
            return Err(expansion(format!("more than {QUADS_MAX} quads")));
        }
        dataset.insert(&convert(quad)?);
    }
    Ok(dataset)
}

/// Refuses any identifier toRdf would leave out: relative or malformed IRIs in `@id`, `@type`
/// or a value's datatype.
fn check_nothing_dropped(
    document: &json_ld::ExpandedDocument<iref::IriBuf, rdf_types::BlankIdBuf>,
) -> Result<(), CredentialError> {
    for object in document.iter() {
        for fragment in object.traverse() {
            if let Some(Id::Invalid(text)) = fragment.as_id() {
                return Err(expansion(format!(
                    "{text:?} is not an absolute IRI, so it would be dropped"
                )));
            }
        }
    }
    Ok(())
}

type JsonLdQuad = json_ld::rdf::Quad<iref::IriBuf, rdf_types::BlankIdBuf, rdf_types::Literal>;

fn convert(quad: JsonLdQuad) -> Result<oxrdf::Quad, CredentialError> {
    let rdf_types::Quad(subject, predicate, object, graph) = quad;
    let subject: oxrdf::Subject = match node(subject)? {
        oxrdf::Term::NamedNode(n) => n.into(),
        oxrdf::Term::BlankNode(b) => b.into(),
        other => return Err(expansion(format!("subject {other} is not a node"))),
    };
    let predicate = match node(predicate)? {
        oxrdf::Term::NamedNode(n) => n,
        other => return Err(expansion(format!("predicate {other} is not an IRI"))),
    };
    let object = match object {
        Term::Id(id) => node(id)?,
        Term::Literal(literal) => literal_term(literal)?,
    };
    let graph = match graph.map(node).transpose()? {
        None => oxrdf::GraphName::DefaultGraph,
        Some(oxrdf::Term::NamedNode(n)) => n.into(),
        Some(oxrdf::Term::BlankNode(b)) => b.into(),
        Some(other) => return Err(expansion(format!("graph name {other} is not a node"))),
    };
    Ok(oxrdf::Quad::new(subject, predicate, object, graph))
}

fn node(id: rdf_types::Id) -> Result<oxrdf::Term, CredentialError> {
    Ok(match id {
        rdf_types::Id::Iri(iri) => oxrdf::NamedNode::new(iri.as_str())
            .map_err(expansion)?
            .into(),
        rdf_types::Id::Blank(blank) => {
            let label = blank.as_str().trim_start_matches("_:");
            oxrdf::BlankNode::new(label).map_err(expansion)?.into()
        }
    })
}

fn literal_term(literal: rdf_types::Literal) -> Result<oxrdf::Term, CredentialError> {
    Ok(match literal.type_ {
        LiteralType::Any(datatype) => oxrdf::Literal::new_typed_literal(
            literal.value,
            oxrdf::NamedNode::new(datatype.as_str()).map_err(expansion)?,
        )
        .into(),
        LiteralType::LangString(tag) => {
            oxrdf::Literal::new_language_tagged_literal(literal.value, tag.as_str())
                .map_err(expansion)?
                .into()
        }
    })
}
