//! `korral events`.

use anyhow::anyhow;
use futures::StreamExt;
use korral_core::Object;
use korral_core::terminal::Escaped;
use korral_kube::WatchEvent;
use korral_status::{EventLine, event_lines};
use korral_topology::kind_is;

use super::{ExitStatus, InputError};
use crate::cli::{EventType, EventsArgs, ReportFormat};
use crate::printer::Printer;
use crate::source::{self, Scope};

/// Which events to show.
struct Filter {
    namespace: Option<String>,
    object: Option<(String, String)>,
    kind: Option<&'static str>,
}

impl Filter {
    fn keeps(&self, line: &EventLine) -> bool {
        let object_ok = self.object.as_ref().is_none_or(|(kind, name)| {
            line.object
                .split_once('/')
                .is_some_and(|(k, n)| n == name && kind_is(kind, k, ""))
        });
        let namespace_ok = self
            .namespace
            .as_ref()
            .is_none_or(|ns| *ns == line.namespace);
        object_ok && namespace_ok && self.kind.is_none_or(|k| k == line.kind)
    }
}

/// Events, from whichever API discovery kept: `events.k8s.io/v1` when served (core
/// `v1` serves the same Events and is then left out, so none is read twice).
fn is_event_resource(resource: &korral_kube::Resource) -> bool {
    resource.kind == "Event" && matches!(resource.group.as_str(), "" | "events.k8s.io")
}

pub fn events(args: &EventsArgs) -> anyhow::Result<ExitStatus> {
    let object = match &args.for_object {
        Some(text) => {
            let (kind, name) = text
                .split_once('/')
                .filter(|(k, n)| !k.is_empty() && !n.is_empty())
                .ok_or_else(|| {
                    InputError(anyhow!(
                        "--for `{text}` is not an object; write KIND/NAME, for example pod/web-0"
                    ))
                })?;
            Some((kind.to_owned(), name.to_owned()))
        }
        None => None,
    };
    let mut filter = Filter {
        namespace: args.namespace.clone(),
        object,
        kind: args.event_type.map(|t| match t {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }),
    };
    let format = args.output;

    if args.source.is_offline() {
        let set = source::files(&args.source)?;
        print(&lines(set.objects(), &filter), format)?;
        return Ok(ExitStatus::Success);
    }
    let runtime = source::runtime()?;
    runtime.block_on(async {
        let scope = match (&args.namespace, args.all_namespaces) {
            (Some(ns), _) => Scope::Namespace(ns),
            (None, true) => Scope::All,
            (None, false) => Scope::ContextDefault,
        };
        let (set, live) = source::live_kinds(&args.source, scope, is_event_resource).await?;
        filter.namespace.clone_from(&live.namespace);
        print(&lines(set.objects(), &filter), format)?;
        if !args.watch {
            return Ok(ExitStatus::Success);
        }
        let Some(resource) = live.discovery.resources.first() else {
            return Err(anyhow!("the cluster serves no events"));
        };
        let mut stream = Box::pin(korral_kube::watch(
            &live.client,
            resource,
            live.namespace.as_deref(),
            live.resource_version(resource),
        ));
        let mut seen: std::collections::HashMap<String, String> = set
            .objects()
            .iter()
            .map(|o| {
                (
                    o.key().to_string(),
                    o.metadata().resource_version.clone().unwrap_or_default(),
                )
            })
            .collect();
        loop {
            let next = tokio::select! {
                next = stream.next() => next,
                _ = tokio::signal::ctrl_c() => return Ok(ExitStatus::Success),
            };
            let objects: Vec<Object> = match next {
                None => return Ok(ExitStatus::Success),
                Some(Ok(WatchEvent::Added(o) | WatchEvent::Modified(o))) => vec![o],
                Some(Ok(WatchEvent::Restarted(objects))) => objects,
                Some(Ok(WatchEvent::Deleted(_))) => continue,
                Some(Err(err)) => {
                    Printer::warn(format!("watch of events: {err}"));
                    continue;
                }
            };
            // A relist repeats what was printed; print only what is new or changed.
            let fresh: Vec<Object> = objects
                .into_iter()
                .filter(|o| {
                    let version = o.metadata().resource_version.clone().unwrap_or_default();
                    seen.insert(o.key().to_string(), version.clone()).as_ref() != Some(&version)
                })
                .collect();
            let lines = lines(&fresh, &filter);
            if !lines.is_empty() {
                print_rows(&lines, format)?;
            }
        }
    })
}

/// The events among `objects` that `filter` keeps, oldest first.
fn lines(objects: &[Object], filter: &Filter) -> Vec<EventLine> {
    let mut lines = event_lines(objects);
    lines.retain(|line| filter.keeps(line));
    lines
}

fn print(lines: &[EventLine], format: ReportFormat) -> anyhow::Result<()> {
    if format != ReportFormat::Table {
        return Printer::new(None)
            .emit(|out| Printer::data(out, &lines, format == ReportFormat::Yaml));
    }
    if lines.is_empty() {
        Printer::note("no events");
        return Ok(());
    }
    Printer::new(None).emit(|out| {
        writeln!(out, "{ROW_HEADER}")?;
        Ok(())
    })?;
    print_rows(lines, ReportFormat::Table)
}

const ROW_HEADER: &str = "LAST SEEN             TYPE     NAMESPACE   REASON                  OBJECT                          MESSAGE";

/// One line per event: `LAST SEEN  TYPE  NAMESPACE  REASON  OBJECT  MESSAGE`, or one
/// JSON object per line, or one YAML document per event (as events arrive).
fn print_rows(lines: &[EventLine], format: ReportFormat) -> anyhow::Result<()> {
    Printer::new(None).emit(|out| {
        for line in lines {
            if format == ReportFormat::Json {
                serde_json::to_writer(&mut *out, line)?;
                writeln!(out)?;
            } else if format == ReportFormat::Yaml {
                writeln!(out, "---")?;
                Printer::data(out, line, true)?;
            } else {
                writeln!(
                    out,
                    "{:<20}  {:<7}  {:<10}  {:<22}  {:<30}  {}{}",
                    Escaped(line.last_seen.as_deref().unwrap_or("-")),
                    Escaped(&line.kind),
                    Escaped(&line.namespace),
                    Escaped(&line.reason),
                    Escaped(&line.object),
                    Escaped(&line.message),
                    if line.count > 1 {
                        format!(" (x{})", line.count)
                    } else {
                        String::new()
                    }
                )?;
            }
        }
        Ok(())
    })
}
