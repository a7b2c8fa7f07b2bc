//! Paged lists of many resources at once, read into korral objects.

use std::borrow::Cow;
use std::collections::HashSet;

use futures::{StreamExt, TryStreamExt};
use korral_core::{Loader, Object, ObjectSet};
use kube::api::ListParams;
use serde::Deserialize;
use serde::de::Deserializer;
use serde_json::value::RawValue;

use crate::client::Client;
use crate::discovery::Resource;
use crate::error::{Action, Error, Result};

/// How many times one resource's list starts over after its continue token expired
/// before korral gives up on it.
const MAX_LIST_RESTARTS: usize = 3;

/// How many times one page is asked for again after 429 Too Many Requests.
const MAX_THROTTLED: u32 = 4;

/// The first wait after a 429; it doubles each time.
const THROTTLE_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// What to list and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListOptions {
    /// Only this namespace (`-n`); `None` lists all namespaces (`-A`). Cluster-scoped
    /// resources are listed whole either way: pass only namespaced resources to leave
    /// them out.
    pub namespace: Option<String>,
    /// A label selector in kubectl's `-l` syntax, passed to the server.
    pub label_selector: Option<String>,
    /// Objects per page (`limit`). Default 500, as kubectl's `--chunk-size`; 0 asks
    /// for each resource in one response.
    pub page_size: u32,
    /// How many resources are listed at once. Default 4: enough to hide latency,
    /// few enough not to trip the API server's priority and fairness limits.
    pub concurrency: usize,
}

impl Default for ListOptions {
    fn default() -> Self {
        Self {
            namespace: None,
            label_selector: None,
            page_size: 500,
            concurrency: 4,
        }
    }
}

/// What [`list`] read.
#[derive(Debug, Clone)]
pub struct Listing {
    /// The objects, pointing at the file `<live:CONTEXT>`.
    pub objects: ObjectSet,
    /// The resources left out, and why.
    pub warnings: Vec<String>,
    /// Each listed resource's `resourceVersion`: where its [`watch`](crate::watch())
    /// starts so that it neither lists again nor misses a change.
    pub resource_versions: Vec<(Resource, String)>,
}

impl Listing {
    /// The resourceVersion `resource` was listed at.
    pub fn resource_version(&self, resource: &Resource) -> Option<&str> {
        self.resource_versions
            .iter()
            .find(|(r, _)| r == resource)
            .map(|(_, rv)| rv.as_str())
    }
}

/// Lists every resource (paged, several at once) into one [`ObjectSet`] whose objects
/// point at the file `<live:CONTEXT>`. [`list`] also says where to start watching.
///
/// A resource the user may not list (403), that is gone (404), or whose aggregated
/// API is down (503) is left out with a warning, returned beside the set. A page whose
/// continue token expired (410) starts that resource's list over; 429 Too Many
/// Requests is asked again after a wait (250 ms doubling, four times). Any other error,
/// such as an unreachable server or refused credentials, fails the whole list.
pub async fn list_all(
    client: &Client,
    resources: &[Resource],
    options: &ListOptions,
) -> Result<(ObjectSet, Vec<String>)> {
    let listing = list(client, resources, options).await?;
    Ok((listing.objects, listing.warnings))
}

/// [`list_all`], with each resource's resourceVersion for watches to start from.
pub async fn list(
    client: &Client,
    resources: &[Resource],
    options: &ListOptions,
) -> Result<Listing> {
    let file_name = client.source_name();
    let mut results: Vec<(usize, Result<Listed>)> =
        futures::stream::iter(resources.iter().enumerate().map(|(index, resource)| {
            let file_name = &file_name;
            async move {
                // Skippable errors travel as values; the others stop the whole list
                // at once.
                match list_resource(client, resource, options, file_name).await {
                    Err(err) if !is_skippable(&err) => Err(err),
                    result => Ok((index, result)),
                }
            }
        }))
        .buffer_unordered(options.concurrency.max(1))
        .try_collect()
        .await?;
    // Completion order is the network's; the set's order is the caller's.
    results.sort_by_key(|(index, _)| *index);

    let mut objects = Vec::new();
    let mut warnings = Vec::new();
    let mut resource_versions = Vec::new();
    for (index, result) in results {
        let resource = &resources[index];
        match result {
            Ok(listed) => {
                objects.extend(listed.objects);
                if let Some(rv) = listed.resource_version {
                    resource_versions.push((resource.clone(), rv));
                }
            }
            Err(err) => warnings.push(format!(
                "{err}; `{}` is left out",
                resource.qualified_name()
            )),
        }
    }
    Ok(Listing {
        objects: ObjectSet::from_objects(objects, vec![file_name], Vec::new()),
        warnings,
        resource_versions,
    })
}

/// One resource, listed.
struct Listed {
    objects: Vec<Object>,
    /// The first page's: a paged list is one snapshot, at that version.
    resource_version: Option<String>,
}

/// Errors that leave one resource out of a list instead of failing it: a broken or
/// hostile API (an aggregated one, often) must not hide the rest of the cluster.
fn is_skippable(err: &Error) -> bool {
    matches!(err, Error::Forbidden { .. } | Error::TooLarge { .. })
        || matches!(err.status_code(), Some(404 | 405 | 503))
}

/// Every page of one resource; starts over when the continue token expires.
async fn list_resource(
    client: &Client,
    resource: &Resource,
    options: &ListOptions,
    file_name: &str,
) -> Result<Listed> {
    let mut pager = Pager::with_source(client, resource, options, file_name.to_owned());
    let mut objects = Vec::new();
    while let Some(page) = pager.next_page().await? {
        if page.restarted {
            objects.clear();
        }
        objects.extend(page.objects);
    }
    Ok(Listed {
        objects,
        resource_version: pager.resource_version,
    })
}

/// One resource's list, a page at a time, for readers that must not hold a whole list
/// (backups write each page out before asking for the next). It behaves as [`list`]
/// does for one resource: a page over the size limit is asked again in smaller pages,
/// 429 Too Many Requests waits and asks again, an expired continue token (410) starts
/// the list over (the page says so: what came before may come again), and
/// [`Limits`](crate::Limits)' list bounds hold.
pub struct Pager<'a> {
    client: &'a Client,
    resource: &'a Resource,
    options: &'a ListOptions,
    file_name: String,
    page_size: u32,
    restarts: usize,
    throttled: u32,
    continue_token: Option<String>,
    bounds: ListBounds<'a>,
    resource_version: Option<String>,
    restarted: bool,
    done: bool,
}

/// One page from a [`Pager`].
#[derive(Debug)]
pub struct ListPage {
    /// The objects, each whole (its `apiVersion` and `kind` filled in).
    pub objects: Vec<Object>,
    /// The list started over before this page (its continue token expired): objects
    /// of earlier pages may come again, and some may be gone.
    pub restarted: bool,
}

impl<'a> Pager<'a> {
    /// The pages of `resource` in `options.namespace` (everywhere when `None`), with
    /// `options`' label selector and page size.
    pub fn new(client: &'a Client, resource: &'a Resource, options: &'a ListOptions) -> Self {
        Self::with_source(client, resource, options, client.source_name())
    }

    fn with_source(
        client: &'a Client,
        resource: &'a Resource,
        options: &'a ListOptions,
        file_name: String,
    ) -> Self {
        Self {
            client,
            resource,
            options,
            file_name,
            page_size: options.page_size,
            restarts: 0,
            throttled: 0,
            continue_token: None,
            bounds: ListBounds::new(client, resource, options.namespace.as_deref()),
            resource_version: None,
            restarted: false,
            done: false,
        }
    }

    /// The list's resourceVersion (its first page's), once a page came.
    pub fn resource_version(&self) -> Option<&str> {
        self.resource_version.as_deref()
    }

    /// The next page, or `None` after the last.
    pub async fn next_page(&mut self) -> Result<Option<ListPage>> {
        if self.done {
            return Ok(None);
        }
        loop {
            let page = match fetch_page(
                self.client,
                self.resource,
                self.options.namespace.as_deref(),
                self.options.label_selector.as_deref(),
                self.page_size,
                self.continue_token.clone(),
                &self.file_name,
            )
            .await
            {
                Ok(page) => page,
                // A page over the size limit is asked for again in smaller pages: big
                // objects (Helm releases, dashboards) are not an attack.
                Err(Error::TooLarge { .. }) if self.page_size != 1 => {
                    self.page_size = if self.page_size == 0 {
                        500
                    } else {
                        self.page_size / 4
                    }
                    .max(1);
                    continue;
                }
                Err(err) if err.status_code() == Some(410) && self.restarts < MAX_LIST_RESTARTS => {
                    self.restarts += 1;
                    self.continue_token = None;
                    self.resource_version = None;
                    self.bounds = ListBounds::new(
                        self.client,
                        self.resource,
                        self.options.namespace.as_deref(),
                    );
                    self.restarted = true;
                    continue;
                }
                // The server is shedding load (priority and fairness): wait, then ask
                // for the same page again.
                Err(err) if err.status_code() == Some(429) && self.throttled < MAX_THROTTLED => {
                    tokio::time::sleep(THROTTLE_WAIT * 2u32.pow(self.throttled)).await;
                    self.throttled += 1;
                    continue;
                }
                Err(err) => return Err(err),
            };
            self.bounds
                .count(page.bytes, page.continue_token.as_deref())?;
            if self.resource_version.is_none() {
                self.resource_version = page.resource_version;
            }
            self.done = page.continue_token.is_none();
            self.continue_token = page.continue_token;
            return Ok(Some(ListPage {
                objects: page.objects,
                restarted: std::mem::take(&mut self.restarted),
            }));
        }
    }
}

impl Error {
    /// Whether a list that failed with this error leaves only its resource out rather
    /// than failing the whole read, as [`list`] does: forbidden (403), gone (404, 405),
    /// an aggregated API that is down (503), or an answer too large.
    pub fn leaves_resource_out(&self) -> bool {
        is_skippable(self)
    }
}

/// What one resource's list has read so far, against [`Limits`](crate::Limits)'
/// list bounds: a server whose list never ends is stopped with a message.
struct ListBounds<'a> {
    client: &'a Client,
    action: Action<'a>,
    pages: u32,
    bytes: u64,
    /// The continue tokens seen (hashed): one coming back means the list loops.
    tokens: HashSet<u64>,
}

impl<'a> ListBounds<'a> {
    fn new(client: &'a Client, resource: &'a Resource, namespace: Option<&'a str>) -> Self {
        Self {
            client,
            action: Action {
                verb: "list",
                resource: &resource.plural,
                namespace: namespace.filter(|_| resource.namespaced),
            },
            pages: 0,
            bytes: 0,
            tokens: HashSet::new(),
        }
    }

    /// Counts a page of `bytes` that gave `token`.
    fn count(&mut self, bytes: usize, token: Option<&str>) -> Result<()> {
        let limits = self.client.limits();
        self.pages += 1;
        self.bytes += bytes as u64;
        let problem = if self.bytes > limits.max_list_bytes {
            format!(
                "sent more than {} for one list; the list is stopped",
                crate::limits::bytes(limits.max_list_bytes)
            )
        } else if self.pages >= limits.max_list_pages && token.is_some() {
            format!(
                "sent {} pages and the list does not end; it is stopped",
                self.pages
            )
        } else if token.is_some_and(|t| !self.tokens.insert(hash(t))) {
            format!(
                "sent a `continue` token it had sent before (page {}): the list would never end; it is stopped",
                self.pages
            )
        } else {
            return Ok(());
        };
        Err(self.client.target().too_large(&self.action, problem))
    }
}

fn hash(text: &str) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    std::hash::Hash::hash(text, &mut hasher);
    std::hash::Hasher::finish(&hasher)
}

/// One page of a list.
#[derive(Debug)]
pub(crate) struct Page {
    /// The size of the answer, in bytes.
    pub(crate) bytes: usize,
    pub(crate) objects: Vec<Object>,
    /// The list's `metadata.resourceVersion`: where a watch should start.
    pub(crate) resource_version: Option<String>,
    /// `metadata.continue`, when there are more pages.
    pub(crate) continue_token: Option<String>,
}

/// Fetches one page and reads it into objects.
pub(crate) async fn fetch_page(
    client: &Client,
    resource: &Resource,
    namespace: Option<&str>,
    label_selector: Option<&str>,
    page_size: u32,
    continue_token: Option<String>,
    file_name: &str,
) -> Result<Page> {
    let action = Action {
        verb: "list",
        resource: &resource.plural,
        namespace: namespace.filter(|_| resource.namespaced),
    };
    let params = ListParams {
        label_selector: label_selector.map(str::to_owned),
        limit: (page_size > 0).then_some(page_size),
        continue_token,
        ..ListParams::default()
    };
    let request = kube::core::Request::new(resource.path(namespace))
        .list(&params)
        .map_err(|e| client.target().response_error(&action, e.to_string()))?;
    let text = client.send_text(request, &action).await?;
    parse_page(file_name, &text).map_err(|message| client.target().response_error(&action, message))
}

/// Reads a list response (`{"kind":"PodList","apiVersion":"v1","metadata":{…},
/// "items":[…]}`) without building a JSON tree: one pass reads the list's metadata and
/// finds the items, then korral-core's loader splits them into objects.
///
/// A real API server leaves `apiVersion` and `kind` out of the items of a typed list
/// of a built-in kind (a `PodList`'s pods have neither; custom resources carry both).
/// Each such item's text gets them written in, so that every object korral read from a
/// cluster is whole on its own: a snapshot of it loads back as the same object.
pub(crate) fn parse_page(file_name: &str, text: &str) -> Result<Page, String> {
    let head: ListHead<'_> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let meta = head.metadata.unwrap_or_default();
    let objects = if head.items.is_empty() {
        // `"items": []` or `null`: nothing to read (and a list with no items would
        // look to the loader like an object without a name).
        Vec::new()
    } else {
        let item_type = head
            .kind
            .as_deref()
            .and_then(|kind| kind.strip_suffix("List"))
            .filter(|kind| !kind.is_empty())
            .zip(head.api_version.as_deref().filter(|v| !v.is_empty()));
        let completed = match item_type {
            Some((kind, api_version)) => complete_items(&head.items, api_version, kind)?,
            None => None,
        };
        let set = Loader::load_str(file_name, completed.as_deref().unwrap_or(text))
            .map_err(|e| e.to_string())?;
        set.objects().to_vec()
    };
    Ok(Page {
        bytes: text.len(),
        objects,
        resource_version: meta.resource_version.filter(|v| !v.is_empty()),
        continue_token: meta.continue_token.filter(|c| !c.is_empty()),
    })
}

/// The items as a generic `List` in which every item names its `apiVersion` and
/// `kind`, or `None` when they all do already. Costs one more scan of the items and,
/// when some lack their type, one copy of the page.
fn complete_items(
    items: &[&RawValue],
    api_version: &str,
    kind: &str,
) -> Result<Option<String>, String> {
    let mut probes = Vec::with_capacity(items.len());
    for item in items {
        // Items that are not objects are left for the loader to report.
        let probe: TypeProbe<'_> = serde_json::from_str(item.get()).unwrap_or_default();
        probes.push(probe);
    }
    if probes
        .iter()
        .all(|p| named(p.api_version.as_ref()) && named(p.kind.as_ref()))
    {
        return Ok(None);
    }
    let api_version = serde_json::to_string(api_version).map_err(|e| e.to_string())?;
    let kind = serde_json::to_string(kind).map_err(|e| e.to_string())?;
    let extra = r#""apiVersion":,"kind":,"#.len() + api_version.len() + kind.len();
    let size: usize = items.iter().map(|i| i.get().len() + extra + 1).sum();
    let mut out = String::with_capacity(size + 64);
    out.push_str(r#"{"apiVersion":"v1","kind":"List","items":["#);
    for (index, (item, probe)) in items.iter().zip(&probes).enumerate() {
        if index > 0 {
            out.push(',');
        }
        let text = item.get();
        let Some(body) = text.strip_prefix('{') else {
            out.push_str(text);
            continue;
        };
        out.push('{');
        let mut fields = Vec::with_capacity(2);
        if !named(probe.api_version.as_ref()) {
            fields.push(format!(r#""apiVersion":{api_version}"#));
        }
        if !named(probe.kind.as_ref()) {
            fields.push(format!(r#""kind":{kind}"#));
        }
        out.push_str(&fields.join(","));
        if !fields.is_empty() && !body.trim_start().starts_with('}') {
            out.push(',');
        }
        out.push_str(body);
    }
    out.push_str("]}");
    Ok(Some(out))
}

#[derive(Deserialize)]
struct ListHead<'a> {
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default, borrow, rename = "apiVersion")]
    api_version: Option<Cow<'a, str>>,
    #[serde(default)]
    metadata: Option<ListMeta>,
    #[serde(default, borrow, deserialize_with = "null_as_empty")]
    items: Vec<&'a RawValue>,
}

/// `"items": null` as no items.
fn null_as_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<&'de RawValue>, D::Error> {
    Ok(Option::<Vec<&'de RawValue>>::deserialize(deserializer)?.unwrap_or_default())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ListMeta {
    #[serde(default, rename = "continue")]
    continue_token: Option<String>,
    #[serde(default)]
    resource_version: Option<String>,
}

/// The type an item names, read without keeping the rest.
#[derive(Deserialize, Default)]
struct TypeProbe<'a> {
    #[serde(default, borrow, rename = "apiVersion")]
    api_version: Option<Cow<'a, str>>,
    #[serde(default, borrow)]
    kind: Option<Cow<'a, str>>,
}

/// Whether a type field is there and not empty.
fn named(field: Option<&Cow<'_, str>>) -> bool {
    field.is_some_and(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_list_items_get_kind_and_api_version() {
        let text = r#"{"kind":"DeploymentList","apiVersion":"apps/v1","metadata":{"resourceVersion":"42","continue":"abc"},"items":[
            {"metadata":{"name":"web","namespace":"shop","resourceVersion":"40"},"spec":{"replicas":2}},
            {"metadata":{"name":"api","namespace":"shop","resourceVersion":"41"}}]}"#;
        let page = parse_page("<live:prod>", text).unwrap();
        assert_eq!(page.resource_version.as_deref(), Some("42"));
        assert_eq!(page.continue_token.as_deref(), Some("abc"));
        let names: Vec<_> = page
            .objects
            .iter()
            .map(|o| format!("{} {} {}", o.api_version(), o.kind(), o.name()))
            .collect();
        assert_eq!(names, ["apps/v1 Deployment web", "apps/v1 Deployment api"]);
        assert!(page.objects[0].raw().as_str().contains("\"replicas\":2"));
    }

    #[test]
    fn items_of_built_in_lists_carry_their_type_in_their_text() {
        // As a real server sends a ConfigMapList: no `apiVersion` or `kind` per item.
        let text = r#"{"kind":"ConfigMapList","apiVersion":"v1","metadata":{"resourceVersion":"9"},"items":[
            {"metadata":{"name":"a","namespace":"shop"},"data":{"k":"v"}},
            {"metadata":{"name":"b","namespace":"shop"}}]}"#;
        let page = parse_page("<live:prod>", text).unwrap();
        for object in &page.objects {
            let value = object.raw().to_value();
            assert_eq!(value["apiVersion"], "v1", "{value}");
            assert_eq!(value["kind"], "ConfigMap", "{value}");
            // Whole on its own: it loads again without the list around it.
            let again = Object::from_json(object.raw().as_str(), object.source()).unwrap();
            assert_eq!(again.key(), object.key());
        }
        assert_eq!(page.objects[0].raw().to_value()["data"]["k"], "v");
    }

    #[test]
    fn items_that_name_their_type_are_kept_as_sent() {
        let item = r#"{"apiVersion":"shop.example.com/v1","kind":"Cart","metadata":{"name":"c","namespace":"shop"}}"#;
        let text = format!(
            r#"{{"kind":"CartList","apiVersion":"shop.example.com/v1","metadata":{{}},"items":[{item}]}}"#
        );
        let page = parse_page("<live:prod>", &text).unwrap();
        assert_eq!(page.objects[0].raw().as_str(), item);
        // One of the two missing: only that one is added, never a second key.
        let text = r#"{"kind":"PodList","apiVersion":"v1","items":[{"kind":"Pod","metadata":{"name":"p"}}]}"#;
        let page = parse_page("<live:prod>", text).unwrap();
        let raw = page.objects[0].raw().as_str();
        assert_eq!(raw.matches("\"kind\"").count(), 1, "{raw}");
        assert_eq!(page.objects[0].raw().to_value()["apiVersion"], "v1");
    }

    #[test]
    fn empty_and_null_items_are_no_objects() {
        for items in ["[]", "null"] {
            let text = format!(
                r#"{{"kind":"PodList","apiVersion":"v1","metadata":{{"resourceVersion":"7","continue":""}},"items":{items}}}"#
            );
            let page = parse_page("<live:prod>", &text).unwrap();
            assert!(page.objects.is_empty());
            assert_eq!(page.continue_token, None);
            assert_eq!(page.resource_version.as_deref(), Some("7"));
        }
    }

    #[test]
    fn malformed_page_is_an_error() {
        assert!(parse_page("<live:prod>", r#"{"kind":"PodList","items":[{"#).is_err());
        assert!(
            parse_page(
                "<live:prod>",
                r#"{"kind":"PodList","apiVersion":"v1","items":[{"metadata":{}}]}"#
            )
            .is_err()
        );
    }
}
