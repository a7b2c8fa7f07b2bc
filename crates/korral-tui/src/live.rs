//! The cluster side, on the async runtime (never on the UI thread): connecting (and
//! connecting again after a failure), one watch per resource feeding the app, log
//! streams, deletes, the edit's dry run and apply, and history from the store.

use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use futures::StreamExt;
use korral_core::terminal::escape;
use korral_core::{Object, ObjectKey};
use korral_kube::{Client, ClusterConfig, KubeOptions, LogOptions, Resource, WatchEvent};
use serde_json::Value;

use crate::app::{ClusterInfo, Level, Update};
use crate::cache::{Change, Entry};
use crate::view::TextKind;

/// What the driver's loop receives.
#[allow(clippy::large_enum_variant)] // see `Update`
pub enum Msg {
    /// A key, the mouse, a resize.
    Input(crossterm::event::Event),
    /// From the cluster side; the instant a watch event arrived, for the benchmark.
    Update(Update, Option<Instant>),
    /// The connected client, for writes and logs.
    Client(Client),
}

/// How long to wait before connecting again: doubles from one second to thirty.
const RECONNECT_MAX: Duration = Duration::from_secs(30);

/// Connects (again and again until it works, saying why it does not), then watches
/// every resource the cluster serves, `primary` first: the others start once its
/// first list is in, so the first screen comes as fast as one list.
pub async fn watch_cluster(
    tx: Sender<Msg>,
    options: KubeOptions,
    namespace: Option<String>,
    primary: Option<(String, String)>,
) {
    let mut wait = Duration::from_secs(1);
    let (client, resources) = loop {
        match connect(&options).await {
            Ok((client, info, resources)) => {
                let sent = tx.send(Msg::Update(
                    Update::Connected {
                        info,
                        resources: resources.clone(),
                    },
                    None,
                ));
                let _ = tx.send(Msg::Client(client.clone()));
                let _ = tx.send(Msg::Update(Update::Trouble(None), None));
                if sent.is_err() {
                    return;
                }
                break (client, resources);
            }
            Err(message) => {
                if tx
                    .send(Msg::Update(Update::Trouble(Some(message)), None))
                    .is_err()
                {
                    return;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(RECONNECT_MAX);
            }
        }
    };
    let watched: Vec<Resource> = resources
        .into_iter()
        .filter(|r| r.supports("list") && r.supports("watch"))
        .collect();
    let (first, rest): (Vec<Resource>, Vec<Resource>) = watched.into_iter().partition(|r| {
        primary
            .as_ref()
            .is_some_and(|(g, k)| *g == r.group && *k == r.kind)
    });
    let (listed_tx, listed_rx) = tokio::sync::oneshot::channel();
    let mut listed_tx = Some(listed_tx);
    for resource in first {
        tokio::spawn(watch_one(
            tx.clone(),
            client.clone(),
            resource,
            namespace.clone(),
            listed_tx.take(),
        ));
    }
    // The rest once the first screen is in (or it failed, or is slow).
    let _ = tokio::time::timeout(Duration::from_secs(3), listed_rx).await;
    for resource in rest {
        tokio::spawn(watch_one(
            tx.clone(),
            client.clone(),
            resource,
            namespace.clone(),
            None,
        ));
    }
}

async fn connect(options: &KubeOptions) -> Result<(Client, ClusterInfo, Vec<Resource>), String> {
    let config = ClusterConfig::load(options.clone()).map_err(|e| e.to_string())?;
    let client = config.client().await.map_err(|e| e.to_string())?;
    let version = client.server_version().await.map_err(|e| e.to_string())?;
    let discovery = korral_kube::discover(&client)
        .await
        .map_err(|e| e.to_string())?;
    let info = ClusterInfo {
        context: client.context().to_owned(),
        server: client.server().to_owned(),
        version: version.to_string(),
        live: true,
    };
    Ok((client, info, discovery.resources))
}

/// One resource's watch, cluster-wide (so that switching namespaces is instant), or
/// in `namespace` when the user may not list it cluster-wide.
async fn watch_one(
    tx: Sender<Msg>,
    client: Client,
    resource: Resource,
    namespace: Option<String>,
    mut listed: Option<tokio::sync::oneshot::Sender<()>>,
) {
    let mut scope: Option<String> = None;
    'scopes: loop {
        let mut stream = Box::pin(korral_kube::watch(
            &client,
            &resource,
            scope.as_deref(),
            None,
        ));
        let mut troubled = false;
        while let Some(item) = stream.next().await {
            let arrived = Instant::now();
            let change = match item {
                Ok(WatchEvent::Added(o) | WatchEvent::Modified(o)) => {
                    Change::Upsert(Entry::new(mask(o)))
                }
                Ok(WatchEvent::Deleted(o)) => Change::Delete(o.key()),
                Ok(WatchEvent::Restarted(list)) => {
                    Change::Replace(list.into_iter().map(|o| Entry::new(mask(o))).collect())
                }
                Err(err) => {
                    if err.status_code() == Some(403)
                        && scope.is_none()
                        && namespace.is_some()
                        && resource.namespaced
                    {
                        scope.clone_from(&namespace);
                        continue 'scopes;
                    }
                    if let Some(done) = listed.take() {
                        let _ = done.send(());
                    }
                    troubled = true;
                    let message = format!("watch of {}: {err}", resource.qualified_name());
                    if tx
                        .send(Msg::Update(Update::Trouble(Some(message)), None))
                        .is_err()
                    {
                        return;
                    }
                    continue;
                }
            };
            if troubled {
                troubled = false;
                let _ = tx.send(Msg::Update(Update::Trouble(None), None));
            }
            let replaced = matches!(change, Change::Replace(_));
            let update = Update::Objects {
                resource: resource.clone(),
                change,
            };
            if tx.send(Msg::Update(update, Some(arrived))).is_err() {
                return;
            }
            if replaced && let Some(done) = listed.take() {
                let _ = done.send(());
            }
        }
        // The watch gave up (forbidden, gone): the rest goes on.
        if let Some(done) = listed.take() {
            let _ = done.send(());
        }
        return;
    }
}

/// A Secret's values replaced by digests, as `korral serve` and the store keep them:
/// the TUI never holds a Secret's value, so no view can show one.
pub fn mask(object: Object) -> Object {
    if !(object.group().is_empty() && object.kind() == "Secret") {
        return object;
    }
    let mut value = object.raw().to_value();
    korral_store::mask_secret(&mut value);
    Object::from_json(&value.to_string(), object.source()).unwrap_or_else(|_| {
        let bare = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": object.name(), "namespace": object.namespace()},
        });
        Object::from_json(&bare.to_string(), object.source()).unwrap_or(object)
    })
}

/// Streams a container's log as [`Update::LogLines`], a batch at a time.
pub async fn logs(
    tx: Sender<Msg>,
    client: Client,
    id: u64,
    namespace: String,
    pod: String,
    options: LogOptions,
) {
    let stream = match korral_kube::log_lines(&client, &namespace, &pod, &options).await {
        Ok(stream) => stream,
        Err(err) => {
            let _ = tx.send(Msg::Update(
                Update::LogEnded {
                    id,
                    error: Some(err.to_string()),
                },
                None,
            ));
            return;
        }
    };
    // Lines that come together are drawn together.
    let mut chunks = Box::pin(stream.ready_chunks(256));
    while let Some(chunk) = chunks.next().await {
        let mut lines = Vec::with_capacity(chunk.len());
        let mut error = None;
        for line in chunk {
            match line {
                Ok(line) => lines.push(escape(&line).into_owned()),
                Err(err) => error = Some(err.to_string()),
            }
        }
        if tx
            .send(Msg::Update(Update::LogLines { id, lines }, None))
            .is_err()
        {
            return;
        }
        if let Some(error) = error {
            let _ = tx.send(Msg::Update(
                Update::LogEnded {
                    id,
                    error: Some(error),
                },
                None,
            ));
            return;
        }
    }
    let _ = tx.send(Msg::Update(Update::LogEnded { id, error: None }, None));
}

/// Deletes an object, its dependents in the background (kubectl's default); `force`
/// with grace period 0 (ctrl-k, k9s's kill).
pub async fn delete(
    tx: Sender<Msg>,
    client: Client,
    resource: Resource,
    key: ObjectKey,
    force: bool,
) {
    let namespace = key.namespace.as_deref().filter(|_| resource.namespaced);
    let path = format!(
        "{}/{}",
        resource.path(namespace),
        korral_apply::encode(&key.name)
    );
    let mut body = serde_json::json!({
        "kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background",
    });
    if force {
        body["gracePeriodSeconds"] = 0.into();
    }
    let request = http::Request::delete(path)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header(http::header::ACCEPT, "application/json")
        .body(serde_json::to_vec(&body).unwrap_or_default());
    let shown = escape(&key.to_string()).into_owned();
    let message = match request {
        Ok(request) => match client
            .send(request, "delete", &resource.plural, namespace)
            .await
        {
            Ok(_) if force => (format!("killed {shown}"), Level::Info),
            Ok(_) => (format!("deleted {shown}"), Level::Info),
            Err(err) => (format!("cannot delete {shown}: {err}"), Level::Error),
        },
        Err(err) => (format!("cannot delete {shown}: {err}"), Level::Error),
    };
    let _ = tx.send(Msg::Update(Update::Message(message.0, message.1), None));
}

/// The fields an edit leaves out (the server owns them), so an apply neither trips
/// over a resourceVersion that moved on nor claims them.
pub fn for_edit(value: &mut Value) {
    korral_apply::strip_server_fields(value);
}

/// YAML for a diff: what an edit compares.
fn diff_text(value: &Value) -> String {
    let mut value = value.clone();
    for_edit(&mut value);
    serde_saphyr::to_string(&value).unwrap_or_default()
}

/// The cluster to apply `edited` to, and the resource serving its kind.
async fn connect_for(
    client: Client,
    edited: &Value,
) -> Result<(korral_apply::Cluster, Resource), korral_apply::Error> {
    let cluster = korral_apply::Cluster::connect(client).await?;
    let api_version = edited
        .get("apiVersion")
        .and_then(Value::as_str)
        .unwrap_or("");
    let kind = edited.get("kind").and_then(Value::as_str).unwrap_or("");
    let resource =
        cluster
            .resource(api_version, kind)
            .ok_or_else(|| korral_apply::Error::Manifest {
                file: String::new(),
                message: format!("the cluster serves no `{kind}` in `{api_version}`"),
            })?;
    Ok((cluster, resource))
}

/// The server's dry run of an edited object against the live one, as diff lines.
pub async fn preview(tx: Sender<Msg>, client: Client, key: ObjectKey, edited: Value) {
    let result = async {
        let (cluster, resource) = connect_for(client, &edited).await?;
        let live = cluster
            .get(&resource, key.namespace.as_deref(), &key.name)
            .await?
            .unwrap_or(Value::Null);
        let (after, _) = cluster.apply(&resource, &edited, true, true).await?;
        Ok::<_, korral_apply::Error>((diff_text(&live), diff_text(&after)))
    }
    .await;
    let update = match result {
        Ok((before, after)) => {
            let path = escape(&key.to_string()).into_owned();
            let diff = similar::TextDiff::from_lines(before.as_str(), after.as_str())
                .unified_diff()
                .context_radius(3)
                .header(&format!("live/{path}"), &format!("edited/{path}"))
                .to_string();
            Update::EditDiff {
                key,
                diff: crate::describe::lines(&diff),
                object: edited,
            }
        }
        Err(err) => Update::Message(format!("the server refuses the edit: {err}"), Level::Error),
    };
    let _ = tx.send(Msg::Update(update, None));
}

/// Applies a confirmed edit: server-side apply as korral, taking the fields it
/// changed over from other managers (the user saw the diff).
pub async fn apply(tx: Sender<Msg>, client: Client, key: ObjectKey, edited: Value) {
    let result = async {
        let (cluster, resource) = connect_for(client, &edited).await?;
        cluster.apply(&resource, &edited, false, true).await
    }
    .await;
    let shown = escape(&key.to_string()).into_owned();
    let update = match result {
        Ok(_) => Update::Message(format!("applied {shown}"), Level::Info),
        Err(err) => Update::Message(format!("cannot apply {shown}: {err}"), Level::Error),
    };
    let _ = tx.send(Msg::Update(update, None));
}

/// The object's recorded versions, from the store `korral serve` writes (if there is
/// one), each as a diff against the one before.
pub async fn history(tx: Sender<Msg>, database: Option<String>, context: String, key: ObjectKey) {
    let lines = match history_lines(database, &context, &key).await {
        Ok(lines) => lines,
        Err(message) => {
            let _ = tx.send(Msg::Update(Update::Message(message, Level::Error), None));
            return;
        }
    };
    let title = format!(" history {} ", escape(&key.to_string()));
    let _ = tx.send(Msg::Update(
        Update::Text {
            kind: TextKind::History,
            title,
            lines,
        },
        None,
    ));
}

async fn history_lines(
    database: Option<String>,
    context: &str,
    key: &ObjectKey,
) -> Result<Vec<String>, String> {
    let url = database.unwrap_or_else(korral_store::Store::default_url);
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        && !std::path::Path::new(path).exists()
    {
        return Err(format!(
            "no history: korral serve's database `{}` does not exist; `korral serve` records the clusters it watches",
            escape(path)
        ));
    }
    let store = korral_store::Store::open(&url)
        .await
        .map_err(|e| e.to_string())?;
    let clusters = store.clusters().await.map_err(|e| e.to_string())?;
    let cluster = clusters
        .iter()
        .find(|c| c.name == context)
        .or_else(|| clusters.first().filter(|_| clusters.len() == 1))
        .ok_or_else(|| {
            format!(
                "the store holds no history of context `{}`",
                escape(context)
            )
        })?;
    let object = korral_store::ObjectRef {
        group: key.group.clone(),
        kind: key.kind.clone(),
        namespace: key.namespace.clone(),
        name: key.name.clone(),
    };
    let versions = store
        .history(cluster.id, &object, None)
        .await
        .map_err(|e| e.to_string())?;
    if versions.is_empty() {
        return Ok(vec!["No versions of this object are recorded.".to_owned()]);
    }
    let mut out = String::new();
    let mut previous: Option<String> = None;
    for (n, version) in versions.iter().enumerate() {
        use std::fmt::Write as _;
        let by = if version.managers.is_empty() {
            String::new()
        } else {
            format!(" by {}", version.managers.join(", "))
        };
        let _ = writeln!(
            out,
            "# version {} · {} · {}{by}",
            n + 1,
            version.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            version.change.as_str()
        );
        let yaml = diff_text(&version.object);
        match &previous {
            None => out.push_str(&yaml),
            Some(before) => {
                let diff = similar::TextDiff::from_lines(before.as_str(), yaml.as_str())
                    .unified_diff()
                    .context_radius(3)
                    .to_string();
                if diff.is_empty() {
                    out.push_str("(no change in what is shown)\n");
                } else {
                    out.push_str(&diff);
                }
            }
        }
        out.push('\n');
        previous = Some(yaml);
    }
    Ok(crate::describe::lines(&out))
}
