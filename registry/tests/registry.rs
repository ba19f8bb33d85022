//! The marketplace against a real registry: Debian's `docker-registry`
//! (the CNCF distribution registry) started on 127.0.0.1 for each test, and
//! Debian's `minisign` CLI for interoperability. No mocks.
//!
//! Needs `apt-get install -y docker-registry apache2-utils minisign`; a
//! missing tool fails the test with that hint.

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use common::{
    TestRegistry, bounded, init_tls, options, require_tool, run_bounded, run_bounded_with_input,
    scenario_component, tamper,
};
use volley_registry::artifact::{self, annotations};
use volley_registry::{
    Credentials, Error, PushOptions, Registry, ScenarioManifest, Signer, TrustedKey, TrustedKeys,
    read_manifest, read_metadata, sha256_digest, stamp,
};

const VOLLEY_TOML: &str = r#"
version = 1
name = "checkout-flow"
description = "Browse, add to cart, pay."

[[parameters]]
name = "BASE_URL"
type = "url"
required = true

[[parameters]]
name = "THINK_TIME"
type = "duration"
default = "1s"

[capabilities]
hosts = ["shop.example.com:443", "127.0.0.1:3030"]

[[capabilities.data]]
name = "users"
"#;

fn stamped_component(version: &str) -> Vec<u8> {
    let manifest = ScenarioManifest::from_toml(VOLLEY_TOML).expect("valid volley.toml");
    stamp(&scenario_component(version), &manifest).expect("stamp")
}

#[tokio::test]
async fn push_then_pull_by_tag_and_by_digest_is_byte_identical_in_the_spec_layout() {
    init_tls();
    let registry = TestRegistry::start();
    bounded(async {
        let cache = tempfile::tempdir().expect("cache dir");
        let client = Registry::new(
            &registry.host(),
            options(cache.path(), Credentials::Anonymous),
        )
        .expect("client");
        let component = stamped_component("1.2.0");
        let reference = registry.reference("acme/checkout:1.2.0");
        let pushed = client
            .push(&reference, &component, &PushOptions::default())
            .await
            .expect("push");
        assert_eq!(pushed.component_digest, sha256_digest(&component));
        assert_eq!(
            pushed.reference.digest(),
            Some(pushed.manifest_digest.as_str())
        );

        // By tag.
        let by_tag = client.pull(&reference).await.expect("pull by tag");
        assert_eq!(by_tag.manifest_digest, pushed.manifest_digest);
        assert_eq!(by_tag.component().expect("component"), component);
        assert_eq!(
            std::fs::read(&by_tag.component_path).expect("read"),
            component
        );
        assert_eq!(by_tag.reference.tag(), Some("1.2.0"));
        // By digest, with an empty cache so it really comes from the registry.
        let fresh = tempfile::tempdir().expect("cache dir");
        let client2 = Registry::new(
            &registry.host(),
            options(fresh.path(), Credentials::Anonymous),
        )
        .expect("client");
        let by_digest_ref =
            registry.reference(&format!("acme/checkout@{}", pushed.manifest_digest));
        let by_digest = client2.pull(&by_digest_ref).await.expect("pull by digest");
        assert_eq!(
            std::fs::read(&by_digest.component_path).expect("read"),
            component
        );
        assert_eq!(by_digest.manifest_digest, pushed.manifest_digest);
        // The cache is content-addressed.
        assert!(
            by_digest
                .component_path
                .starts_with(fresh.path().join("blobs/sha256"))
        );

        // The embedded manifest and metadata travel with the bytes.
        let pulled_manifest = read_manifest(&by_digest.component().expect("bytes"))
            .expect("read manifest")
            .expect("has a manifest");
        assert_eq!(pulled_manifest.name, "checkout-flow");
        assert_eq!(pulled_manifest.capabilities.hosts.len(), 2);

        // What the registry serves, read independently of the library.
        let resp = registry.get(
            "/v2/acme/checkout/manifests/1.2.0",
            artifact::OCI_MANIFEST_MEDIA_TYPE,
        );
        assert_eq!(resp.status, 200);
        assert_eq!(
            resp.header("Docker-Content-Digest"),
            Some(pushed.manifest_digest.as_str())
        );
        assert_eq!(sha256_digest(&resp.body), pushed.manifest_digest);
        let manifest: serde_json::Value = serde_json::from_slice(&resp.body).expect("JSON");
        assert_eq!(manifest["schemaVersion"], 2);
        assert_eq!(
            manifest["mediaType"],
            "application/vnd.oci.image.manifest.v1+json"
        );
        assert_eq!(
            manifest["config"]["mediaType"],
            "application/vnd.wasm.config.v0+json"
        );
        let layers = manifest["layers"].as_array().expect("layers");
        assert_eq!(layers.len(), 1);
        assert_eq!(layers[0]["mediaType"], "application/wasm");
        assert_eq!(layers[0]["digest"], pushed.component_digest.as_str());
        assert_eq!(layers[0]["size"], component.len() as u64);
        let a = &manifest["annotations"];
        assert_eq!(a["org.opencontainers.image.title"], "checkout-flow");
        assert_eq!(a["org.opencontainers.image.version"], "1.2.0");
        assert_eq!(
            a["org.opencontainers.image.description"],
            "Browse, add to cart, pay."
        );
        assert_eq!(
            a["org.opencontainers.image.authors"],
            "Ada Lovelace <ada@example.com>"
        );
        assert_eq!(a["org.opencontainers.image.licenses"], "Apache-2.0");
        assert_eq!(
            a["org.opencontainers.image.source"],
            "https://github.com/example/checkout"
        );
        assert_eq!(a["org.opencontainers.image.revision"], "abc1234");
        let created = a["org.opencontainers.image.created"]
            .as_str()
            .expect("created");

        let config_digest = manifest["config"]["digest"]
            .as_str()
            .expect("config digest");
        let resp = registry.get(&format!("/v2/acme/checkout/blobs/{config_digest}"), "*/*");
        assert_eq!(resp.status, 200);
        assert_eq!(sha256_digest(&resp.body), config_digest);
        let config: serde_json::Value = serde_json::from_slice(&resp.body).expect("config JSON");
        assert_eq!(config["architecture"], "wasm");
        assert_eq!(config["os"], "wasip2");
        assert_eq!(config["created"], created);
        assert_eq!(config["author"], "Ada Lovelace <ada@example.com>");
        assert_eq!(
            config["layerDigests"],
            serde_json::json!([pushed.component_digest])
        );
        assert_eq!(
            config["component"]["target"],
            "volley:scenario/scenario@0.1.0"
        );
        assert_eq!(
            config["component"]["exports"],
            serde_json::json!(["volley:scenario/lifecycle@0.1.0"])
        );
        let imports = config["component"]["imports"].as_array().expect("imports");
        assert!(
            imports.iter().any(|i| i == "volley:scenario/vu@0.1.0"),
            "{imports:?}"
        );
        assert_eq!(by_tag.config.layer_digests, vec![pushed.component_digest]);
    })
    .await;
}

#[tokio::test]
async fn tampered_blobs_in_the_registry_are_refused_with_a_digest_error() {
    init_tls();
    let registry = TestRegistry::start();
    bounded(async {
        let pusher_cache = tempfile::tempdir().expect("cache dir");
        let pusher = Registry::new(
            &registry.host(),
            options(pusher_cache.path(), Credentials::Anonymous),
        )
        .expect("client");
        let component = stamped_component("1.0.0");

        // The component layer.
        let reference = registry.reference("acme/layer:1.0.0");
        let pushed = pusher
            .push(&reference, &component, &PushOptions::default())
            .await
            .expect("push");
        tamper(&registry.blob_file(&pushed.component_digest));
        let cache = tempfile::tempdir().expect("cache dir");
        let puller = Registry::new(
            &registry.host(),
            options(cache.path(), Credentials::Anonymous),
        )
        .expect("client");
        let err = puller
            .pull(&reference)
            .await
            .expect_err("tampered layer accepted");
        match &err {
            Error::DigestMismatch {
                what,
                expected,
                actual,
                ..
            } => {
                assert_eq!(what, "component layer");
                assert_eq!(expected, &pushed.component_digest);
                assert_ne!(actual, expected);
            }
            other => panic!("expected a digest mismatch, got {other:?}"),
        }
        assert!(
            err.to_string()
                .contains("digest mismatch for the component layer"),
            "{err}"
        );
        // Nothing tampered reached the cache.
        assert!(
            !cache
                .path()
                .join("blobs/sha256")
                .join(pushed.component_digest.trim_start_matches("sha256:"))
                .exists()
        );

        // The config.
        let other = stamped_component("1.0.1");
        let reference = registry.reference("acme/config:1.0.1");
        let pushed = pusher
            .push(&reference, &other, &PushOptions::default())
            .await
            .expect("push");
        let manifest = registry.get(
            "/v2/acme/config/manifests/1.0.1",
            artifact::OCI_MANIFEST_MEDIA_TYPE,
        );
        let manifest: serde_json::Value = serde_json::from_slice(&manifest.body).expect("JSON");
        let config_digest = manifest["config"]["digest"]
            .as_str()
            .expect("digest")
            .to_string();
        tamper(&registry.blob_file(&config_digest));
        let err = puller
            .pull(&reference)
            .await
            .expect_err("tampered config accepted");
        assert!(
            matches!(&err, Error::DigestMismatch { what, .. } if what == "config"),
            "{err:?}"
        );

        // The manifest itself (still valid JSON, or the registry would
        // refuse to serve it: one annotation's letter changed).
        let file = registry.blob_file(&pushed.manifest_digest);
        let text = std::fs::read_to_string(&file).expect("manifest");
        assert!(text.contains("checkout-flow"));
        std::fs::write(&file, text.replace("checkout-flow", "checkout-flaw")).expect("write");
        let err = puller
            .pull(&reference)
            .await
            .expect_err("tampered manifest accepted");
        assert!(
            matches!(&err, Error::DigestMismatch { what, .. } if what == "manifest"),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn signatures_verify_with_the_right_key_only() {
    init_tls();
    let registry = TestRegistry::start();
    bounded(async {
        let cache = tempfile::tempdir().expect("cache dir");
        let client = Registry::new(
            &registry.host(),
            options(cache.path(), Credentials::Anonymous),
        )
        .expect("client");
        let publisher = Signer::generate().expect("key");
        let stranger = Signer::generate().expect("key");
        let trust = TrustedKeys::parse(&format!("{} ACME Corp\n", publisher.public_key()))
            .expect("trust file");

        let component = stamped_component("2.0.0");
        let reference = registry.reference("acme/signed:2.0.0");
        client
            .push(&reference, &component, &PushOptions::default())
            .await
            .expect("push");
        let pulled = client.pull(&reference).await.expect("pull");

        // Unsigned.
        let err = client
            .verify(&pulled, &trust)
            .await
            .expect_err("unsigned accepted");
        assert!(matches!(err, Error::Unsigned { .. }), "{err:?}");
        assert!(err.to_string().contains("is not signed"), "{err}");
        assert!(
            err.to_string()
                .contains(&artifact::signature_tag(&pulled.component_digest)),
            "{err}"
        );

        // Signed by the publisher: passes.
        let sig = client.sign(&pulled, &publisher).await.expect("sign");
        assert_eq!(sig.key_id, publisher.key_id());
        assert_eq!(
            sig.reference.tag(),
            Some(artifact::signature_tag(&pulled.component_digest).as_str())
        );
        let verified = client.verify(&pulled, &trust).await.expect("verify");
        assert_eq!(verified.key_id, publisher.key_id());
        assert_eq!(verified.signer, "ACME Corp");

        // Trusting only another key: refused, naming the signer's key.
        let wrong = TrustedKeys::parse(&stranger.public_key()).expect("trust");
        let err = client
            .verify(&pulled, &wrong)
            .await
            .expect_err("wrong key accepted");
        assert!(matches!(err, Error::UntrustedSigner { .. }), "{err:?}");
        assert!(err.to_string().contains(publisher.key_id()), "{err}");

        // A second signer is added next to the first; both verify.
        let sig2 = client.sign(&pulled, &stranger).await.expect("co-sign");
        assert_eq!(sig2.signatures, 2);
        client
            .verify(&pulled, &wrong)
            .await
            .expect("second signer verifies");
        client
            .verify(&pulled, &trust)
            .await
            .expect("first signer still verifies");

        // A signature by the trusted key over other bytes (what an attacker
        // who swapped the component could at best replay): refused.
        let other = stamped_component("2.0.1");
        let replayed = publisher.sign(&other, None).expect("sign");
        client
            .push_signature(&reference, &pulled.component_digest, &replayed)
            .await
            .expect("push replayed signature");
        let err = client
            .verify(&pulled, &trust)
            .await
            .expect_err("replay accepted");
        assert!(matches!(err, Error::BadSignature { .. }), "{err:?}");
        assert!(err.to_string().contains("does not verify"), "{err}");

        // A signature blob altered in the registry: refused on its digest.
        let good = publisher.sign(&component, None).expect("sign");
        let pushed_sig = client
            .push_signature(&reference, &pulled.component_digest, &good)
            .await
            .expect("push signature");
        let manifest = registry.get(
            &format!(
                "/v2/acme/signed/manifests/{}",
                pushed_sig.reference.digest().expect("digest")
            ),
            artifact::OCI_MANIFEST_MEDIA_TYPE,
        );
        let manifest: serde_json::Value = serde_json::from_slice(&manifest.body).expect("JSON");
        assert_eq!(manifest["artifactType"], artifact::SIGNATURE_ARTIFACT_TYPE);
        assert_eq!(
            manifest["annotations"][annotations::SIGNATURE_SUBJECT],
            pulled.component_digest.as_str()
        );
        let blob = manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .find(|l| l["annotations"][annotations::SIGNATURE_KEY_ID] == publisher.key_id())
            .and_then(|l| l["digest"].as_str())
            .expect("publisher's layer")
            .to_string();
        tamper(&registry.blob_file(&blob));
        let fresh = tempfile::tempdir().expect("cache dir");
        let client2 = Registry::new(
            &registry.host(),
            options(fresh.path(), Credentials::Anonymous),
        )
        .expect("client");
        let pulled2 = client2.pull(&reference).await.expect("pull");
        let err = client2
            .verify(&pulled2, &trust)
            .await
            .expect_err("tampered signature accepted");
        assert!(
            matches!(&err, Error::DigestMismatch { what, .. } if what == "signature"),
            "{err:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn signatures_interoperate_with_the_minisign_cli() {
    init_tls();
    require_tool("minisign");
    let registry = TestRegistry::start();
    bounded(async {
        let dir = tempfile::tempdir().expect("dir");
        let cache = dir.path().join("cache");
        let client = Registry::new(&registry.host(), options(&cache, Credentials::Anonymous))
            .expect("client");
        let component = stamped_component("3.0.0");
        let reference = registry.reference("acme/interop:3.0.0");
        client
            .push(&reference, &component, &PushOptions::default())
            .await
            .expect("push");
        let pulled = client.pull(&reference).await.expect("pull");
        let wasm = dir.path().join("scenario.wasm");
        std::fs::write(&wasm, &component).expect("write component");
        let limit = Duration::from_secs(30);

        // A key pair made by the CLI (unencrypted: -W).
        let cli_pub = dir.path().join("cli.pub");
        let cli_key = dir.path().join("cli.key");
        let out = run_bounded(
            Command::new("minisign")
                .arg("-G")
                .arg("-W")
                .arg("-p")
                .arg(&cli_pub)
                .arg("-s")
                .arg(&cli_key),
            limit,
        );
        assert!(out.status.success(), "minisign -G: {out:?}");

        // CLI signs, the library verifies (the .pub file as trust file).
        let cli_sig = dir.path().join("scenario.wasm.minisig");
        let out = run_bounded(
            Command::new("minisign")
                .arg("-S")
                .arg("-s")
                .arg(&cli_key)
                .arg("-m")
                .arg(&wasm)
                .arg("-x")
                .arg(&cli_sig),
            limit,
        );
        assert!(out.status.success(), "minisign -S: {out:?}");
        let signature = std::fs::read_to_string(&cli_sig).expect("signature");
        client
            .push_signature(&reference, &pulled.component_digest, &signature)
            .await
            .expect("push CLI signature");
        let trust = TrustedKeys::load(&cli_pub).expect("load .pub");
        let verified = client
            .verify(&pulled, &trust)
            .await
            .expect("library verifies CLI signature");
        let cli_key_id = TrustedKey::parse(&std::fs::read_to_string(&cli_pub).expect("pub"), None)
            .expect("pub")
            .key_id()
            .to_string();
        assert_eq!(verified.key_id, cli_key_id);
        // The key id the library prints is the one minisign prints.
        assert!(
            std::fs::read_to_string(&cli_pub)
                .expect("pub")
                .contains(&cli_key_id),
            "minisign's .pub comment names key {cli_key_id}"
        );

        // The library signs with the CLI's secret key file; the CLI verifies.
        let signer = Signer::from_file(&cli_key, None).expect("read CLI secret key");
        assert_eq!(signer.key_id(), cli_key_id);
        let lib_sig = dir.path().join("lib.minisig");
        std::fs::write(&lib_sig, signer.sign(&component, None).expect("sign")).expect("write");
        let out = run_bounded(
            Command::new("minisign")
                .arg("-V")
                .arg("-p")
                .arg(&cli_pub)
                .arg("-m")
                .arg(&wasm)
                .arg("-x")
                .arg(&lib_sig),
            limit,
        );
        assert!(
            out.status.success(),
            "minisign -V of the library's signature: {out:?}"
        );

        // An encrypted key made by the CLI (password read from stdin): read
        // with its password, refused without or with a wrong one.
        let enc_pub = dir.path().join("enc.pub");
        let enc_key = dir.path().join("enc.key");
        let out = run_bounded_with_input(
            Command::new("minisign")
                .arg("-G")
                .arg("-p")
                .arg(&enc_pub)
                .arg("-s")
                .arg(&enc_key),
            b"hunter2\nhunter2\n",
            limit,
        );
        assert!(out.status.success(), "minisign -G (encrypted): {out:?}");
        let err = Signer::from_file(&enc_key, None).expect_err("encrypted key without password");
        assert!(err.to_string().contains("no password was given"), "{err}");
        // Deriving the key (scrypt) is slow on purpose: off the runtime, so
        // that the test's time limit holds.
        let path = enc_key.clone();
        let (wrong, right) = tokio::task::spawn_blocking(move || {
            (
                Signer::from_file(&path, Some("hunter3")),
                Signer::from_file(&path, Some("hunter2")),
            )
        })
        .await
        .expect("key derivation");
        let err = wrong.expect_err("wrong password");
        assert!(err.to_string().contains("Wrong password"), "{err}");
        let enc = right.expect("encrypted CLI key");
        let enc_sig = dir.path().join("enc.minisig");
        std::fs::write(&enc_sig, enc.sign(&component, None).expect("sign")).expect("write");
        let out = run_bounded(
            Command::new("minisign")
                .arg("-V")
                .arg("-p")
                .arg(&enc_pub)
                .arg("-m")
                .arg(&wasm)
                .arg("-x")
                .arg(&enc_sig),
            limit,
        );
        assert!(
            out.status.success(),
            "minisign -V with the encrypted key's signature: {out:?}"
        );

        // A key pair made by the library; the CLI verifies what it signs,
        // as pushed to and fetched from the registry.
        let own = Signer::generate().expect("key");
        let own_pub = dir.path().join("own.pub");
        std::fs::write(&own_pub, own.public_key_file()).expect("write pub");
        let pushed = client.sign(&pulled, &own).await.expect("sign and push");
        assert_eq!(pushed.signatures, 2);
        let manifest = registry.get(
            &format!(
                "/v2/acme/interop/manifests/{}",
                pushed.reference.digest().expect("digest")
            ),
            artifact::OCI_MANIFEST_MEDIA_TYPE,
        );
        let manifest: serde_json::Value = serde_json::from_slice(&manifest.body).expect("JSON");
        let blob = manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .find(|l| l["annotations"][annotations::SIGNATURE_KEY_ID] == own.key_id())
            .and_then(|l| l["digest"].as_str())
            .expect("own layer")
            .to_string();
        let fetched = registry.get(&format!("/v2/acme/interop/blobs/{blob}"), "*/*");
        let own_sig = dir.path().join("own.minisig");
        std::fs::write(&own_sig, &fetched.body).expect("write");
        let out = run_bounded(
            Command::new("minisign")
                .arg("-V")
                .arg("-p")
                .arg(&own_pub)
                .arg("-m")
                .arg(&wasm)
                .arg("-x")
                .arg(&own_sig),
            limit,
        );
        assert!(
            out.status.success(),
            "minisign -V of a pushed signature: {out:?}"
        );
        // And the CLI refuses it over altered bytes.
        let altered = dir.path().join("altered.wasm");
        let mut bytes = component.clone();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        std::fs::write(&altered, &bytes).expect("write");
        let out = run_bounded(
            Command::new("minisign")
                .arg("-V")
                .arg("-p")
                .arg(&own_pub)
                .arg("-m")
                .arg(&altered)
                .arg("-x")
                .arg(&own_sig),
            limit,
        );
        assert!(!out.status.success(), "minisign accepted altered bytes");
    })
    .await;
}

#[tokio::test]
async fn basic_auth_from_flags_or_docker_config_and_wrong_passwords_are_auth_errors() {
    init_tls();
    let registry = TestRegistry::start_with_auth("ada", "correct horse");
    bounded(async {
        let cache = tempfile::tempdir().expect("cache dir");
        let component = stamped_component("1.0.0");
        let reference = registry.reference("team/private:1.0.0");

        // Explicit user and password (--registry-user, VOLLEY_REGISTRY_PASSWORD).
        let creds = Credentials::resolve(&registry.host(), Some("ada"), Some("correct horse"))
            .expect("credentials");
        let client = Registry::new(&registry.host(), options(cache.path(), creds)).expect("client");
        let pushed = client
            .push(&reference, &component, &PushOptions::default())
            .await
            .expect("push with credentials");

        // From a docker config.json.
        let docker = tempfile::tempdir().expect("docker dir");
        let config = docker.path().join("config.json");
        {
            use base64::Engine as _;
            let auth = base64::engine::general_purpose::STANDARD.encode("ada:correct horse");
            let json = serde_json::json!({ "auths": { registry.host(): { "auth": auth } } });
            std::fs::write(&config, json.to_string()).expect("write config.json");
        }
        let creds = Credentials::from_docker_config_file(&config, &registry.host())
            .expect("read config.json")
            .expect("an entry for the registry");
        let fresh = tempfile::tempdir().expect("cache dir");
        let client = Registry::new(&registry.host(), options(fresh.path(), creds)).expect("client");
        let pulled = client
            .pull(&reference)
            .await
            .expect("pull with docker credentials");
        assert_eq!(pulled.manifest_digest, pushed.manifest_digest);
        let tags = client
            .list(&reference)
            .await
            .expect("list with credentials");
        assert_eq!(tags.len(), 1);

        // A wrong password.
        let wrong = Credentials::Basic {
            username: "ada".into(),
            password: "battery staple".into(),
        };
        let fresh = tempfile::tempdir().expect("cache dir");
        let client = Registry::new(&registry.host(), options(fresh.path(), wrong)).expect("client");
        let err = client
            .pull(&reference)
            .await
            .expect_err("wrong password accepted");
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("refused access to team/private"), "{text}");
        assert!(text.contains("user `ada` was rejected"), "{text}");
        let err = client
            .push(
                &registry.reference("team/private:evil"),
                &component,
                &PushOptions::default(),
            )
            .await
            .expect_err("push with a wrong password accepted");
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");

        // No credentials at all.
        let client = Registry::new(
            &registry.host(),
            options(fresh.path(), Credentials::Anonymous),
        )
        .expect("client");
        let err = client
            .pull(&reference)
            .await
            .expect_err("anonymous pull accepted");
        assert!(matches!(err, Error::Auth { .. }), "{err:?}");
        assert!(
            err.to_string().contains("no credentials were sent"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_registry_that_is_down_is_a_connection_error_and_offline_mode_uses_the_cache() {
    init_tls();
    let registry = TestRegistry::start();
    let host = registry.host();
    let cache = tempfile::tempdir().expect("cache dir");
    let publisher = Signer::generate().expect("key");
    let trust = TrustedKeys::parse(&publisher.public_key()).expect("trust");
    let component = stamped_component("4.0.0");
    let reference = registry.reference("acme/offline:4.0.0");
    let pushed = bounded(async {
        let client =
            Registry::new(&host, options(cache.path(), Credentials::Anonymous)).expect("client");
        let pushed = client
            .push(&reference, &component, &PushOptions::default())
            .await
            .expect("push");
        let pulled = client.pull(&reference).await.expect("pull");
        client.sign(&pulled, &publisher).await.expect("sign");
        client.verify(&pulled, &trust).await.expect("verify online");
        pushed
    })
    .await;
    drop(registry); // Stops the registry process.

    bounded(async {
        let client =
            Registry::new(&host, options(cache.path(), Credentials::Anonymous)).expect("client");
        let err = client
            .pull(&reference)
            .await
            .expect_err("pull from a stopped registry");
        assert!(matches!(err, Error::Connection { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("cannot reach registry {host}")),
            "{text}"
        );
        assert!(text.contains("--offline"), "{text}");

        let mut offline = options(cache.path(), Credentials::Anonymous);
        offline.offline = true;
        let client = Registry::new(&host, offline).expect("client");
        let by_tag = client.pull(&reference).await.expect("offline pull by tag");
        assert_eq!(by_tag.manifest_digest, pushed.manifest_digest);
        assert_eq!(by_tag.component().expect("bytes"), component);
        let by_digest = client
            .pull(&reference.pinned(&pushed.manifest_digest))
            .await
            .expect("offline pull by digest");
        assert_eq!(by_digest.component_path, by_tag.component_path);
        let verified = client
            .verify(&by_tag, &trust)
            .await
            .expect("offline verify");
        assert_eq!(verified.key_id, publisher.key_id());

        let err = client
            .pull(&reference.retagged("9.9.9").expect("tag"))
            .await
            .expect_err("uncached tag offline");
        assert!(matches!(err, Error::NotCached { .. }), "{err:?}");
        assert!(
            err.to_string().contains("is not in the local cache"),
            "{err}"
        );
        let err = client.list(&reference).await.expect_err("list offline");
        assert!(matches!(err, Error::Offline(_)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn search_lists_tags_with_their_annotations() {
    init_tls();
    let registry = TestRegistry::start();
    bounded(async {
        let cache = tempfile::tempdir().expect("cache dir");
        let client = Registry::new(
            &registry.host(),
            options(cache.path(), Credentials::Anonymous),
        )
        .expect("client");
        let signer = Signer::generate().expect("key");
        for version in ["1.0.0", "1.1.0"] {
            let reference = registry.reference(&format!("acme/listed:{version}"));
            let pushed = client
                .push(
                    &reference,
                    &stamped_component(version),
                    &PushOptions {
                        created: Some(format!(
                            "2025-0{}-01T00:00:00Z",
                            if version == "1.0.0" { 1 } else { 2 }
                        )),
                        ..PushOptions::default()
                    },
                )
                .await
                .expect("push");
            if version == "1.1.0" {
                let pulled = client.pull(&pushed.reference).await.expect("pull");
                client.sign(&pulled, &signer).await.expect("sign");
            }
        }
        // A tag pushed with an explicit version annotation over the metadata.
        let mut extra = BTreeMap::new();
        extra.insert(annotations::VERSION.to_string(), "1.1.0-hotfix".to_string());
        client
            .push(
                &registry.reference("acme/listed:latest"),
                &stamped_component("1.1.0"),
                &PushOptions {
                    annotations: extra,
                    ..PushOptions::default()
                },
            )
            .await
            .expect("push latest");

        let tags = client
            .list(&registry.reference("acme/listed"))
            .await
            .expect("list");
        let names: Vec<&str> = tags.iter().map(|t| t.tag.as_str()).collect();
        assert_eq!(
            names,
            ["1.0.0", "1.1.0", "latest"],
            "signature tags are hidden"
        );
        let t = &tags[0];
        assert_eq!(t.version.as_deref(), Some("1.0.0"));
        assert_eq!(t.title.as_deref(), Some("checkout-flow"));
        assert_eq!(t.description.as_deref(), Some("Browse, add to cart, pay."));
        assert_eq!(t.created.as_deref(), Some("2025-01-01T00:00:00Z"));
        assert_eq!(tags[1].created.as_deref(), Some("2025-02-01T00:00:00Z"));
        assert_eq!(t.digest.len(), 71);
        assert!(t.is_component && !t.signed);
        assert!(tags[1].signed, "1.1.0 was signed");
        assert_eq!(tags[2].version.as_deref(), Some("1.1.0-hotfix"));
        assert!(
            tags[2].signed,
            "latest has the same component bytes as 1.1.0"
        );
        assert_eq!(
            tags[1]
                .annotations
                .get(annotations::LICENSES)
                .map(String::as_str),
            Some("Apache-2.0")
        );
    })
    .await;
}

#[test]
fn stamp_and_read_round_trip_on_a_real_component() {
    let component = scenario_component("0.9.0");
    assert_eq!(read_manifest(&component).expect("read"), None);
    let manifest = ScenarioManifest::from_toml(VOLLEY_TOML).expect("toml");
    let stamped = stamp(&component, &manifest).expect("stamp");
    wasmparser::Validator::new()
        .validate_all(&stamped)
        .expect("still a valid component");
    assert_eq!(
        read_manifest(&stamped).expect("read"),
        Some(manifest.clone())
    );
    // Restamping replaces, never duplicates, and keeps everything else.
    let mut changed = manifest.clone();
    changed.capabilities.hosts.push("*.example.com".into());
    let restamped = stamp(&stamped, &changed).expect("restamp");
    assert_eq!(
        read_manifest(&restamped).expect("read"),
        Some(changed.clone())
    );
    assert_eq!(restamped, stamp(&component, &changed).expect("stamp"));
    // The registry metadata is untouched by stamping.
    let meta = read_metadata(&restamped).expect("metadata");
    assert_eq!(meta.name.as_deref(), Some("checkout-flow"));
    assert_eq!(meta.version.as_deref(), Some("0.9.0"));
    assert_eq!(
        meta.authors.as_deref(),
        Some("Ada Lovelace <ada@example.com>")
    );
    assert_eq!(meta.licenses.as_deref(), Some("Apache-2.0"));
    assert_eq!(
        meta.source.as_deref(),
        Some("https://github.com/example/checkout")
    );
    assert_eq!(meta.revision.as_deref(), Some("abc1234"));
    assert_eq!(
        meta.description.as_deref(),
        Some("Browses the shop and checks out")
    );
    let info = volley_registry::component_info(&restamped).expect("info");
    assert_eq!(
        info.target.as_deref(),
        Some("volley:scenario/scenario@0.1.0")
    );

    // An invalid manifest is refused before anything is written.
    let mut bad = manifest;
    bad.parameters[0].name = "not a name".into();
    let err = stamp(&component, &bad).expect_err("invalid manifest stamped");
    assert!(err.to_string().contains("parameters[0].name"), "{err}");
}

#[test]
fn volley_toml_errors_name_the_problem() {
    let cases = [
        (
            "name = \"x\"\n[capabilities]\nhosts = \"api.example.com\"",
            "invalid type",
        ),
        (
            "name = \"x\"\n[[parameters]]\nname = \"A\"",
            "missing field `type`",
        ),
        (
            "name = \"x\"\n[[parameters]]\nname = \"A\"\ntype = \"bool\"\ndefault = \"yes\"",
            "parameters[0].default",
        ),
        (
            "name = \"x\"\n[capabilities]\nfiles = []",
            "unknown field `files`",
        ),
        (
            "name = \"x\"\n[[capabilities.data]]\ndescription = \"no name\"",
            "missing field `name`",
        ),
        ("[package]\nname = \"x\"", "unknown field `package`"),
    ];
    for (toml, expected) in cases {
        let err = ScenarioManifest::from_toml(toml)
            .expect_err(toml)
            .to_string();
        assert!(err.contains(expected), "{toml:?}: {err}");
        assert!(
            err.starts_with("volley.toml") || err.starts_with("manifest field"),
            "{err}"
        );
    }
    // Parse errors carry the line.
    let err = ScenarioManifest::from_toml("name = \"x\"\nversion = \n").expect_err("bad");
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn missing_tools_fail_with_an_install_hint() {
    let result = std::panic::catch_unwind(|| require_tool("volley-surely-not-installed"));
    let panic = result.expect_err("a missing tool passed");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("apt-get install -y docker-registry"),
        "{message}"
    );
}
