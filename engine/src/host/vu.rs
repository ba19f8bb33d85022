//! `volley:scenario/vu`: sleep, checks, groups, log, env, info, random, abort.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{GuestAbort, HostState};
use crate::control::{StopLevel, StopReason};
use crate::log::{self, Level};
use crate::metrics::{CheckSample, TagSet};
use crate::scenario::bindings::vu as wit;

impl wit::Host for HostState {
    async fn sleep(&mut self, duration: u64) -> wasmtime::Result<()> {
        let started = Instant::now();
        tokio::time::sleep(Duration::from_nanos(duration)).await;
        self.vu.host_wait += started.elapsed();
        Ok(())
    }

    fn check(
        &mut self,
        name: String,
        ok: bool,
        tags: Vec<(String, String)>,
    ) -> wasmtime::Result<bool> {
        let sample = CheckSample {
            base: self.vu.base_tags.clone(),
            name: Arc::from(name),
            ok,
            extra: TagSet::from_pairs(tags),
            at: Instant::now(),
        };
        self.vu.samples.check(sample);
        Ok(ok)
    }

    fn enter_group(&mut self, name: String) -> wasmtime::Result<()> {
        self.vu.push_group(&name);
        Ok(())
    }

    fn exit_group(&mut self) -> wasmtime::Result<()> {
        self.vu.pop_group();
        Ok(())
    }

    fn log(&mut self, level: wit::LogLevel, message: String) -> wasmtime::Result<()> {
        let level = match level {
            wit::LogLevel::Debug => Level::Debug,
            wit::LogLevel::Info => Level::Info,
            wit::LogLevel::Warn => Level::Warn,
            wit::LogLevel::Error => Level::Error,
        };
        log::line(level, Some(self.vu.id), &message);
        Ok(())
    }

    fn env(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.vu.scenario.env.get(&key).cloned())
    }

    fn info(&mut self) -> wasmtime::Result<wit::VuInfo> {
        let vu = &self.vu;
        Ok(wit::VuInfo {
            id: u32::try_from(vu.id).unwrap_or(u32::MAX),
            iteration: vu.iteration,
            iteration_in_scenario: vu.iteration_in_scenario,
            scenario: vu.scenario.name.to_string(),
            elapsed: u64::try_from(vu.run.elapsed().as_nanos()).unwrap_or(u64::MAX),
        })
    }

    fn random(&mut self) -> wasmtime::Result<u64> {
        Ok(self.vu.next_random())
    }

    fn abort(&mut self, reason: String) -> wasmtime::Result<()> {
        log::line(
            Level::Error,
            Some(self.vu.id),
            &format!("test aborted: {reason}"),
        );
        self.vu
            .run
            .stop
            .stop(StopLevel::Hard, StopReason::ScenarioAbort(reason.clone()));
        Err(wasmtime::Error::new(GuestAbort(reason)))
    }
}
