//! `volley fleet render`: the Kubernetes objects of a fleet (an Indexed Job
//! of segments and a merge Job), from the template in
//! `deploy/kubernetes/fleet.yaml.tmpl`, embedded in the binary so a user
//! needs no checkout.

use std::time::{Duration, SystemTime};

use crate::wallclock::{parse_rfc3339, rfc3339};

/// The template, as shipped in `deploy/kubernetes/`.
pub const TEMPLATE: &str = include_str!("../../../deploy/kubernetes/fleet.yaml.tmpl");

/// The image tag of this Volley's release.
pub fn default_image() -> String {
    format!("ghcr.io/volley-rs/volley:{}", env!("CARGO_PKG_VERSION"))
}

/// What fills the template.
#[derive(Debug, Clone, PartialEq)]
pub struct FleetParams {
    /// Objects' name prefix (a DNS label of at most 40 characters).
    pub name: String,
    /// The number of segments (pods).
    pub segments: u32,
    /// `oci://...` or a path in the pod.
    pub scenario: String,
    /// The fleet id.
    pub fleet_id: String,
    /// The Volley image.
    pub image: String,
    /// The common start instant (RFC 3339).
    pub start_at: String,
    /// More `volley run` flags for every segment.
    pub run_args: String,
}

impl FleetParams {
    /// Defaults for what was not given: the fleet id from the name and the
    /// time, the start two minutes from `now`, this release's image.
    /// A scenario from a registry gets `--grant-manifest` unless
    /// `run_args` says otherwise (it reaches only granted hosts).
    #[allow(clippy::too_many_arguments)]
    pub fn with_defaults(
        name: String,
        segments: u32,
        scenario: String,
        fleet_id: Option<String>,
        image: Option<String>,
        start_at: Option<String>,
        run_args: Option<String>,
        now: SystemTime,
    ) -> Self {
        let secs = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let start = now + Duration::from_secs(120);
        // Whole seconds read better in a manifest.
        let start = rfc3339(start);
        let start = format!("{}Z", &start[..19]);
        let run_args = run_args.unwrap_or_else(|| {
            if scenario.starts_with("oci://") {
                "--grant-manifest".into()
            } else {
                String::new()
            }
        });
        FleetParams {
            run_args,
            fleet_id: fleet_id.unwrap_or_else(|| format!("{name}-{secs}")),
            image: image.unwrap_or_else(default_image),
            start_at: start_at.unwrap_or(start),
            name,
            segments,
            scenario,
        }
    }

    /// Every problem with the values, at once.
    pub fn check(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        let n = &self.name;
        let label_ok = !n.is_empty()
            && n.len() <= 40
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !n.starts_with('-')
            && !n.ends_with('-');
        if !label_ok {
            problems.push(format!(
                "--name {n:?}: use 1 to 40 lowercase letters, digits or '-', not at either end \
                 (it prefixes Kubernetes object names)"
            ));
        }
        if self.segments == 0 || self.segments > 10_000 {
            problems.push(format!(
                "--segments {}: give 1 to 10000 (one pod each)",
                self.segments
            ));
        }
        if let Err(e) = super::check_fleet_id(&self.fleet_id) {
            problems.push(e);
        }
        if let Err(e) = parse_rfc3339(&self.start_at) {
            problems.push(format!("--start-at: {e}"));
        }
        for (flag, value) in [
            ("--scenario", &self.scenario),
            ("--image", &self.image),
            ("--start-at", &self.start_at),
            ("--run-args", &self.run_args),
        ] {
            if flag == "--run-args" {
                if value.contains(['"', '\\', '\n', '\r', '$', '`']) {
                    problems.push(format!(
                        "--run-args {value:?}: must be without quotes, backslashes, '$', '`' \
                         or line breaks (it is split on spaces)"
                    ));
                }
                continue;
            }
            if value.is_empty() || value.contains(['"', '\\', '\n', '\r']) {
                problems.push(format!(
                    "{flag} {value:?}: must be non-empty, without quotes, backslashes or line breaks"
                ));
            }
        }
        if !self.scenario.starts_with("oci://") && !self.scenario.starts_with('/') {
            problems.push(format!(
                "--scenario {:?}: give an oci:// reference, or an absolute path in the pod \
                 (/scenario/scenario.wasm with the {}-scenario ConfigMap)",
                self.scenario, self.name
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The filled template.
    pub fn render(&self) -> Result<String, String> {
        self.check()?;
        let segments = self.segments.to_string();
        Ok(TEMPLATE
            .replace("{{NAME}}", &self.name)
            .replace("{{SEGMENTS}}", &segments)
            .replace("{{SCENARIO}}", &self.scenario)
            .replace("{{FLEET_ID}}", &self.fleet_id)
            .replace("{{IMAGE}}", &self.image)
            .replace("{{START_AT}}", &self.start_at)
            .replace("{{RUN_ARGS}}", &self.run_args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> FleetParams {
        FleetParams::with_defaults(
            "checkout".into(),
            8,
            "oci://registry.example/acme/checkout:v3".into(),
            None,
            None,
            None,
            None,
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_900_000_000),
        )
    }

    #[test]
    fn fills_every_placeholder_with_defaults_for_what_was_not_given() {
        let p = params();
        assert_eq!(p.fleet_id, "checkout-1900000000");
        assert_eq!(p.start_at, "2030-03-17T17:48:40Z");
        let yaml = p.render().expect("renders");
        assert!(!yaml.contains("{{"), "a placeholder is left");
        assert!(yaml.contains("completions: 8\n"));
        assert!(yaml.contains("parallelism: 8\n"));
        assert!(yaml.contains(r#"name: "checkout-segments""#));
        assert!(yaml.contains(r#"SCENARIO: "oci://registry.example/acme/checkout:v3""#));
        assert!(yaml.contains(&format!(r#"image: "{}""#, default_image())));
        // A registry's scenario is granted its manifest's hosts.
        assert!(yaml.contains(r#"RUN_ARGS: "--grant-manifest""#));
    }

    #[test]
    fn refuses_values_that_would_break_the_yaml_or_the_names() {
        let mut p = params();
        p.name = "Check_out".into();
        p.segments = 0;
        p.scenario = "x\" injected".into();
        p.start_at = "tomorrow".into();
        let e = p.render().expect_err("refused");
        for part in ["--name", "--segments", "--scenario", "--start-at"] {
            assert!(e.contains(part), "{part} not named in {e}");
        }
    }
}
