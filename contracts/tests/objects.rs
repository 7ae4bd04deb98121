//! The `objects` contract: the lifecycle of JR/T 0314 §6.5 over on-chain records (create,
//! full and incremental update, governed overwrite, terminal delete), owners' seal keys from
//! their DID documents, references that must exist, and no personal member in clear. Every
//! refusal is checked to change nothing.

mod world;

use serde_json::{json, Value};
use world::{member, World, SUBMITTER};
use zl_contracts::objects::{
    head_key, referrer_key, revisions_key, snapshot_key, ObjectHead, Referrer, StoredSnapshot,
};
use zl_contracts::{check_call, execute_transaction, Effects};
use zl_types::did::to_jwk;
use zl_types::object::{seal_object, snapshot_digest, Reference, SnapshotRecord, MODEL_PROTOCOL};
use zl_types::{Call, CryptoSuite, Role, SecretKey};

const AUTHORITY: u8 = 20;
const CORRECTOR: u8 = 21;
const OWNER: &str = "did:rem:shanghai:SH000001F.S2101";
const OTHER_OWNER: &str = "did:rem:shanghai:91310000564759688N";
/// The SM2 seed of OWNER's assertion key, of OTHER_OWNER's, and of a key nobody registered.
const OWNER_KEY: u8 = 3;
const OTHER_KEY: u8 = 4;
const STRAY_KEY: u8 = 5;
const NAME_DIGEST: &str = "sm3:99853ca21186dde2902f6dc13fe006905aad629422ef935c0a9b3282246faddb";

fn sm2(seed: u8) -> SecretKey {
    SecretKey::from_seed(CryptoSuite::Sm, &[seed; 32]).unwrap()
}

/// A chain with a DID authority, a submitter, a corrector, and two owner DIDs.
fn world() -> World {
    let mut world = World::new(
        vec![
            member(AUTHORITY, vec![Role::DidAuthority]),
            member(SUBMITTER, vec![Role::Submitter]),
            member(CORRECTOR, vec![Role::Submitter, Role::Corrector]),
        ],
        vec![world::validator(AUTHORITY, 1)],
    );
    world.chain_id = "shanghai".into();
    for (did, seed) in [(OWNER, OWNER_KEY), (OTHER_OWNER, OTHER_KEY)] {
        let key = sm2(seed).public_key();
        let method = format!("{did}#keys-1");
        let document = json!({
            "@context": "https://www.w3.org/ns/did/v1",
            "id": did,
            "controller": did,
            "verificationMethod": {"id": method, "type": "SM2VerificationKey2022",
                "controller": did, "publicKeyJwk": to_jwk(&key)},
            "authentication": method,
            "assertionMethod": method,
        });
        let call = Call {
            contract: "did".into(),
            method: "create".into(),
            args: json!({ "document": document }),
        };
        world.call(AUTHORITY, call).unwrap();
    }
    world
}

/// An object of `object_type` with `body`, sealed by the key of `seed`.
fn sealed(
    operation: &str,
    id: &str,
    version: u64,
    object_type: &str,
    body: Value,
    seed: u8,
) -> Value {
    let mut object = json!({
        "header": {
            "model": {"protocol": MODEL_PROTOCOL, "version": "2.0.0"},
            "content": {"type": object_type, "object_id": id, "version": version,
                "operation": operation, "timestamp": 1_700_000_000},
        },
        "body": body,
    });
    seal_object(&mut object, &sm2(seed)).unwrap();
    object
}

fn with_remark(mut object: Value, remark: &str, seed: u8) -> Value {
    object["header"]["remark"] = json!(remark);
    seal_object(&mut object, &sm2(seed)).unwrap();
    object
}

fn incremental(mut object: Value, seed: u8) -> Value {
    object["header"]["metadata"] = json!({"incremental": true});
    seal_object(&mut object, &sm2(seed)).unwrap();
    object
}

fn investor(name: &str, phone: Value) -> Value {
    json!({"subject_information": {"personal_subject_information": {
        "personal_subject_basic_information": {"subject_investor_name": name,
            "subject_cellphone_number": phone, "subject_id_type": 1}}}})
}

fn product(name: &str) -> Value {
    json!({"product_information": {"product_basic_information": {"product_name": name}}})
}

fn holding(subject: &str, product: &str) -> Value {
    json!({"registration_information": {
        "register_basic_information": {"register_event_type": 1, "register_object_type": 2},
        "roll_records": {"basic_information_roster": {"register_product_ref": product},
            "register_shareholders": [{"register_equity_subject_ref": subject,
                "register_equity_shareholding": 58.69}]}}})
}

fn arg(object: &Value) -> Value {
    json!({"object": object.to_string(), "snapshot_digest": snapshot_digest(object).unwrap()})
}

fn write_call(owner: &str, object: &Value) -> Call {
    Call {
        contract: "objects".into(),
        method: "write".into(),
        args: json!({"owner": owner, "snapshot": arg(object)}),
    }
}

fn overwrite_call(owner: &str, objects: &[Value]) -> Call {
    let snapshots: Vec<Value> = objects.iter().map(arg).collect();
    Call {
        contract: "objects".into(),
        method: "overwrite".into(),
        args: json!({"owner": owner, "snapshots": snapshots}),
    }
}

/// Runs one transaction of `calls` as its own block: on success applies and returns the
/// effects; on failure checks nothing changed and answers `code: message`.
fn run(world: &mut World, signer: u8, calls: Vec<Call>) -> Result<Effects, String> {
    for call in &calls {
        check_call(call).map_err(|e| format!("{}: {e}", e.code()))?;
    }
    let tx = world.tx_of(signer, calls);
    let before = world.state.clone();
    let result = execute_transaction(&world.ctx(), world, &tx);
    world.height += 1;
    match result {
        Ok(effects) => {
            world.apply(effects.clone());
            Ok(effects)
        }
        Err(e) => {
            assert_eq!(world.state, before, "a refusal changes nothing");
            Err(format!("{}: {e}", e.code()))
        }
    }
}

fn head(world: &World, id: &str) -> ObjectHead {
    serde_json::from_slice(&world.state[&head_key(id)]).unwrap()
}

fn snapshot(world: &World, id: &str, version: u64, revision: u32) -> StoredSnapshot {
    serde_json::from_slice(&world.state[&snapshot_key(id, version, revision)]).unwrap()
}

fn expect_code(result: Result<Effects, String>, code: &str, says: &str) {
    let message = result.expect_err("the write is refused");
    assert!(message.starts_with(code), "{message}");
    assert!(message.contains(says), "{message}");
}

#[test]
fn create_update_incremental_and_delete_write_contiguous_versions() {
    let mut w = world();
    let v0 = sealed("create", "P001", 0, "product", product("A股"), OWNER_KEY);
    let effects = run(&mut w, SUBMITTER, vec![write_call(OWNER, &v0)]).unwrap();
    assert_eq!(effects.objects.len(), 1);
    let record: &SnapshotRecord = &effects.objects[0];
    assert_eq!(
        (record.object_id.as_str(), record.version, record.revision),
        ("P001", 0, 0)
    );
    assert_eq!(record.owner, OWNER);
    assert_eq!(record.header, v0["header"], "the header is kept as sealed");
    assert_eq!(record.snapshot_digest, snapshot_digest(&v0).unwrap());
    assert_eq!(effects.events[0].kind, "written");
    let h = head(&w, "P001");
    assert_eq!((h.latest, h.deleted, h.owner.as_str()), (0, false, OWNER));

    let v1 = sealed("update", "P001", 1, "product", product("B股"), OWNER_KEY);
    run(&mut w, SUBMITTER, vec![write_call(OWNER, &v1)]).unwrap();
    let patch = json!({"product_information": {"product_basic_information":
        {"product_name": null, "product_code": "100001"}}});
    let v2 = incremental(
        sealed("update", "P001", 2, "product", patch.clone(), OWNER_KEY),
        OWNER_KEY,
    );
    run(&mut w, SUBMITTER, vec![write_call(OWNER, &v2)]).unwrap();
    let stored = snapshot(&w, "P001", 2, 0);
    assert_eq!(
        stored.record.body, patch,
        "the record keeps the patch as written"
    );
    assert_eq!(
        stored.full_body,
        json!({"product_information": {"product_basic_information": {"product_code": "100001"}}}),
        "null cleared the name, the code was added"
    );

    let v3 = sealed("delete", "P001", 3, "product", json!({}), OWNER_KEY);
    run(&mut w, SUBMITTER, vec![write_call(OWNER, &v3)]).unwrap();
    let h = head(&w, "P001");
    assert_eq!((h.latest, h.deleted), (3, true));
    let v4 = sealed("update", "P001", 4, "product", product("C股"), OWNER_KEY);
    expect_code(
        run(&mut w, SUBMITTER, vec![write_call(OWNER, &v4)]),
        "conflict",
        "nothing may follow a deletion",
    );
}

#[test]
fn references_must_name_existing_snapshots_and_are_indexed_both_ways() {
    let mut w = world();
    let subject = sealed(
        "create",
        "C57B91FE",
        0,
        "subject",
        investor(NAME_DIGEST, json!("")),
        OWNER_KEY,
    );
    let product = sealed("create", "P001", 0, "product", product("A股"), OWNER_KEY);
    let register = sealed(
        "create",
        "RSR624",
        0,
        "registration",
        holding("C57B91FE/0", "P001/0"),
        OWNER_KEY,
    );
    // Before the subject and product exist, the registration points nowhere.
    expect_code(
        run(&mut w, SUBMITTER, vec![write_call(OWNER, &register)]),
        "not_found",
        "reference P001/0: no such snapshot",
    );
    // In business order in one transaction, later calls see earlier ones.
    let calls = vec![
        write_call(OWNER, &subject),
        write_call(OWNER, &product),
        write_call(OWNER, &register),
    ];
    let effects = run(&mut w, SUBMITTER, calls).unwrap();
    assert_eq!(effects.objects.len(), 3);
    assert_eq!(effects.objects[2].references, ["P001/0", "C57B91FE/0"]);
    let referrer = Referrer {
        object_id: "RSR624".into(),
        version: 0,
        revision: 0,
    };
    for target in ["C57B91FE/0", "P001/0"] {
        let target: Reference = target.parse().unwrap();
        let key = referrer_key(&target, &effects.objects[2]);
        assert_eq!(
            serde_json::from_slice::<Referrer>(&w.state[&key]).unwrap(),
            referrer
        );
    }
    // A version that does not exist yet.
    let later = sealed(
        "update",
        "RSR624",
        1,
        "registration",
        holding("C57B91FE/1", "P001/0"),
        OWNER_KEY,
    );
    expect_code(
        run(&mut w, SUBMITTER, vec![write_call(OWNER, &later)]),
        "not_found",
        "C57B91FE/1",
    );
    // The deletion version of an object is not a thing to point at.
    let gone = sealed("delete", "P001", 1, "product", json!({}), OWNER_KEY);
    run(&mut w, SUBMITTER, vec![write_call(OWNER, &gone)]).unwrap();
    let to_gone = sealed(
        "update",
        "RSR624",
        1,
        "registration",
        holding("C57B91FE/0", "P001/1"),
        OWNER_KEY,
    );
    expect_code(
        run(&mut w, SUBMITTER, vec![write_call(OWNER, &to_gone)]),
        "conflict",
        "the object's deletion",
    );
}

#[test]
fn refusals_are_clear_and_change_nothing() {
    let mut w = world();
    let v0 = sealed("create", "P001", 0, "product", product("A股"), OWNER_KEY);
    run(&mut w, SUBMITTER, vec![write_call(OWNER, &v0)]).unwrap();
    let mut unsealed = sealed("create", "P002", 0, "product", product("A股"), OWNER_KEY);
    unsealed["header"].as_object_mut().unwrap().remove("seal");
    let cases: Vec<(&str, u8, Call, &str, &str)> = vec![
        (
            "create twice",
            SUBMITTER,
            write_call(OWNER, &v0),
            "conflict",
            "exists (latest version 0)",
        ),
        (
            "an update skipping a version",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("update", "P001", 2, "product", product("B"), OWNER_KEY),
            ),
            "conflict",
            "must write version 1",
        ),
        (
            "an update of an unknown object",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("update", "P404", 1, "product", product("B"), OWNER_KEY),
            ),
            "not_found",
            "starts with a create",
        ),
        (
            "an unsealed object",
            SUBMITTER,
            write_call(OWNER, &unsealed),
            "bad_arguments",
            "/header/seal",
        ),
        (
            "a seal by a key the owner never registered",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("create", "P002", 0, "product", product("A"), STRAY_KEY),
            ),
            "unauthorized",
            "not an assertion method",
        ),
        (
            "another owner's key for this owner",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("create", "P002", 0, "product", product("A"), OTHER_KEY),
            ),
            "unauthorized",
            "not an assertion method",
        ),
        (
            "another owner updating this object",
            SUBMITTER,
            write_call(
                OTHER_OWNER,
                &sealed("update", "P001", 1, "product", product("B"), OTHER_KEY),
            ),
            "unauthorized",
            "belongs to",
        ),
        (
            "an owner that is not a DID of this chain",
            SUBMITTER,
            write_call(
                "did:rem:shanghai:SH999999F.S2101",
                &sealed("create", "P002", 0, "product", product("A"), OWNER_KEY),
            ),
            "unauthorized",
            "not a DID of this chain",
        ),
        (
            "a personal member in clear",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed(
                    "create",
                    "C1",
                    0,
                    "subject",
                    investor("张三", json!("")),
                    OWNER_KEY,
                ),
            ),
            "bad_arguments",
            "subject_investor_name",
        ),
        (
            "a phone number in clear beside a redacted name",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed(
                    "create",
                    "C1",
                    0,
                    "subject",
                    investor(NAME_DIGEST, json!("13800000000")),
                    OWNER_KEY,
                ),
            ),
            "bad_arguments",
            "subject_cellphone_number",
        ),
        (
            "a body root of another type",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("create", "P002", 0, "account", product("A"), OWNER_KEY),
            ),
            "bad_arguments",
            "exactly one root",
        ),
        (
            "a type change",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed(
                    "update",
                    "P001",
                    1,
                    "account",
                    json!({"account_information": {}}),
                    OWNER_KEY,
                ),
            ),
            "bad_arguments",
            "is a product",
        ),
        (
            "a deletion with a body",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("delete", "P001", 1, "product", product("A"), OWNER_KEY),
            ),
            "bad_arguments",
            "empty body",
        ),
        (
            "an incremental create",
            SUBMITTER,
            write_call(
                OWNER,
                &incremental(
                    sealed("create", "P002", 0, "product", product("A"), OWNER_KEY),
                    OWNER_KEY,
                ),
            ),
            "bad_arguments",
            "not a patch",
        ),
        (
            "an overwrite through write",
            SUBMITTER,
            write_call(
                OWNER,
                &sealed("overwrite", "P001", 0, "product", product("A"), OWNER_KEY),
            ),
            "bad_arguments",
            "objects.overwrite",
        ),
        (
            "a member without the submitter role",
            AUTHORITY,
            write_call(
                OWNER,
                &sealed("create", "P002", 0, "product", product("A"), OWNER_KEY),
            ),
            "unauthorized",
            "Submitter",
        ),
    ];
    for (what, signer, call, code, says) in cases {
        let result = run(&mut w, signer, vec![call]);
        let message = result.expect_err(what);
        assert!(message.starts_with(code), "{what}: {message}");
        assert!(message.contains(says), "{what}: {message}");
    }
    assert_eq!(head(&w, "P001").latest, 0);
}

#[test]
fn overwrites_are_governed_add_revisions_and_rewrite_every_later_version() {
    let mut w = world();
    for (op, v, name) in [("create", 0, "A"), ("update", 1, "B"), ("update", 2, "C")] {
        let object = sealed(op, "P001", v, "product", product(name), OWNER_KEY);
        run(&mut w, SUBMITTER, vec![write_call(OWNER, &object)]).unwrap();
    }
    let reason = "更正: 产品名称录入错误";
    let fix1 = with_remark(
        sealed("overwrite", "P001", 1, "product", product("B2"), OWNER_KEY),
        reason,
        OWNER_KEY,
    );
    let patch =
        json!({"product_information": {"product_basic_information": {"product_code": "9"}}});
    let fix2 = with_remark(
        incremental(
            sealed("overwrite", "P001", 2, "product", patch, OWNER_KEY),
            OWNER_KEY,
        ),
        reason,
        OWNER_KEY,
    );

    expect_code(
        run(
            &mut w,
            SUBMITTER,
            vec![overwrite_call(OWNER, &[fix1.clone(), fix2.clone()])],
        ),
        "unauthorized",
        "Corrector",
    );
    expect_code(
        run(
            &mut w,
            CORRECTOR,
            vec![overwrite_call(OWNER, std::slice::from_ref(&fix1))],
        ),
        "conflict",
        "every later version up to 2",
    );
    let silent = sealed("overwrite", "P001", 2, "product", product("C2"), OWNER_KEY);
    expect_code(
        run(&mut w, CORRECTOR, vec![overwrite_call(OWNER, &[silent])]),
        "bad_arguments",
        "give the reason",
    );
    expect_code(
        run(
            &mut w,
            CORRECTOR,
            vec![overwrite_call(OWNER, &[fix2.clone(), fix1.clone()])],
        ),
        "conflict",
        "in order",
    );

    let effects = run(
        &mut w,
        CORRECTOR,
        vec![overwrite_call(OWNER, &[fix1, fix2])],
    )
    .unwrap();
    let revisions: Vec<_> = effects
        .objects
        .iter()
        .map(|r| (r.version, r.revision))
        .collect();
    assert_eq!(revisions, [(1, 1), (2, 1)]);
    // Nothing is destroyed: revision 0 of each version stays beside revision 1.
    let old = snapshot(&w, "P001", 1, 0);
    assert_eq!(old.full_body, product("B"));
    assert_eq!(snapshot(&w, "P001", 1, 1).full_body, product("B2"));
    // The incremental overwrite of version 2 merged into the new revision of version 1.
    assert_eq!(
        snapshot(&w, "P001", 2, 1).full_body,
        json!({"product_information": {"product_basic_information": {"product_name": "B2", "product_code": "9"}}})
    );
    assert_eq!(w.state[&revisions_key("P001", 2)], b"2");
    assert_eq!(head(&w, "P001").latest, 2, "an overwrite adds no version");
}
