//! `volley compare BASE NEW`: two results files side by side, and a
//! regression gate: exit 1 on a regression, 2 on a rule that cannot be
//! judged (a gate that can never trip is a usage error, not a pass).

use std::process::ExitCode as ProcessExit;

use volley::cli::CompareArgs;
use volley::compare::{CompareError, DEFAULT_RULES, Results, Rule, check_rules, judge};
use volley::output::format::trim;
use volley::thresholds::Aggregation;

/// The table printed above the verdicts.
const TABLE: [(&str, &str); 7] = [
    ("http_req_duration", "avg"),
    ("http_req_duration", "p(95)"),
    ("http_req_duration", "p(99)"),
    ("http_req_failed", "rate"),
    ("http_reqs", "rate"),
    ("iteration_duration", "p(95)"),
    ("checks", "rate"),
];

fn load(args: &CompareArgs) -> Result<(Results, Results, Vec<Rule>), CompareError> {
    let sources: Vec<String> = if args.fail_on.is_empty() {
        DEFAULT_RULES.iter().map(|s| s.to_string()).collect()
    } else {
        args.fail_on.clone()
    };
    let rules = sources
        .iter()
        .map(|s| Rule::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    let (base, new) = (Results::load(&args.base)?, Results::load(&args.new)?);
    for (path, r) in [(&args.base, &base), (&args.new, &new)] {
        if r.partial {
            eprintln!(
                "warning: {} is a checkpoint of a run that did not end (killed?): its figures stop \
                 at {:.0}s",
                path.display(),
                r.duration_s
            );
        }
    }
    if !args.fail_on.is_empty() {
        check_rules(&base, &new, &rules)?;
    }
    Ok((base, new, rules))
}

pub(super) fn execute(args: CompareArgs) -> ProcessExit {
    let (base, new, rules) = match load(&args) {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ProcessExit::from(2);
        }
    };
    let show = |v: Option<f64>| v.map_or("-".to_string(), |v| trim(v, 3));
    println!(
        "{:<40} {:>12} {:>12} {:>9}",
        "metric", "base", "new", "change"
    );
    for (metric, stat) in TABLE {
        let Ok(stat) = Aggregation::parse(stat) else {
            continue;
        };
        let (b, n) = (base.stat(metric, &stat), new.stat(metric, &stat));
        let change = match (b, n) {
            (Some(b), Some(n)) if b != 0.0 => format!("{:+.1}%", (n - b) / b.abs() * 100.0),
            _ => String::new(),
        };
        println!(
            "{:<40} {:>12} {:>12} {:>9}",
            format!("{metric}.{stat}"),
            show(b),
            show(n),
            change
        );
    }
    println!();
    let verdicts = judge(&base, &new, &rules);
    for v in &verdicts {
        let mark = if v.regressed {
            "✗ REGRESSION"
        } else if v.base.is_none() || v.new.is_none() {
            "- not in both"
        } else {
            "✓"
        };
        println!(
            "{mark:<13} {}  ({} → {})",
            v.rule.source,
            show(v.base),
            show(v.new)
        );
    }
    if verdicts.iter().any(|v| v.regressed) {
        ProcessExit::from(1)
    } else {
        ProcessExit::SUCCESS
    }
}
