//! The validator's own signing records: one fsynced write per signature holding the signing
//! record, the signed message and, for a precommit of a block, that block; own messages are
//! kept for the current height only.

mod common;

use common::Chain;
use zl_ledger::consensus_store::OWN_MESSAGES_MAX;
use zl_ledger::SigningWrite;
use zl_types::CryptoSuite;

fn write<'a>(
    height: u64,
    sequence: u64,
    message: &'a [u8],
    locked: Option<&'a [u8]>,
) -> SigningWrite<'a> {
    SigningWrite {
        record: b"record",
        height,
        sequence,
        message,
        locked_block: locked,
    }
}

#[test]
fn own_messages_of_the_height_are_kept_in_order_and_earlier_heights_dropped() {
    let chain = Chain::new(CryptoSuite::Ed25519);
    let ledger = &chain.ledger;
    assert!(ledger.own_messages(5).unwrap().is_empty());
    ledger.save_signing(write(5, 0, b"proposal", None)).unwrap();
    ledger.save_signing(write(5, 1, b"prevote", None)).unwrap();
    ledger
        .save_signing(write(5, 2, b"precommit", Some(b"block")))
        .unwrap();
    assert_eq!(
        ledger.own_messages(5).unwrap(),
        [
            b"proposal".to_vec(),
            b"prevote".to_vec(),
            b"precommit".to_vec()
        ]
    );
    assert_eq!(ledger.signer_record().unwrap().unwrap(), b"record");
    assert_eq!(ledger.locked_block().unwrap().unwrap(), b"block");

    // The first message of height 6 drops height 5's; the locked block stays until replaced.
    ledger
        .save_signing(write(6, 0, b"prevote 6", None))
        .unwrap();
    assert!(ledger.own_messages(5).unwrap().is_empty());
    assert_eq!(ledger.own_messages(6).unwrap(), [b"prevote 6".to_vec()]);
    assert_eq!(ledger.locked_block().unwrap().unwrap(), b"block");

    // Beyond the cap a message is not kept (it was still sent); the record still is.
    ledger
        .save_signing(SigningWrite {
            record: b"record 2",
            ..write(6, OWN_MESSAGES_MAX, b"too many", None)
        })
        .unwrap();
    assert_eq!(ledger.own_messages(6).unwrap().len(), 1);
    assert_eq!(ledger.signer_record().unwrap().unwrap(), b"record 2");
}
