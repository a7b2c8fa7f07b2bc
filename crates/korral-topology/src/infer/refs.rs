//! The parts of object specs that name other objects, as serde reads them from an
//! object's JSON text: every other field is skipped without being built.

use std::collections::BTreeMap;

use korral_core::{LabelSelectorSpec, null_as_default};
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSpec {
    #[serde(default, deserialize_with = "null_as_default")]
    pub volumes: Vec<Volume>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub containers: Vec<Container>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub init_containers: Vec<Container>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub ephemeral_containers: Vec<Container>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub image_pull_secrets: Vec<NameRef>,
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`, still honoured by the API server.
    #[serde(default)]
    pub service_account: Option<String>,
    #[serde(default)]
    pub node_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Volume {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub persistent_volume_claim: Option<ClaimSource>,
    #[serde(default)]
    pub config_map: Option<NameRef>,
    #[serde(default)]
    pub secret: Option<SecretSource>,
    #[serde(default)]
    pub projected: Option<Projected>,
    #[serde(default)]
    pub ephemeral: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ClaimSource {
    #[serde(default)]
    pub claim_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct SecretSource {
    #[serde(default)]
    pub secret_name: String,
    #[serde(default)]
    pub optional: Option<bool>,
}

#[derive(Deserialize)]
pub(crate) struct Projected {
    #[serde(default, deserialize_with = "null_as_default")]
    pub sources: Vec<ProjectedSource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ProjectedSource {
    #[serde(default)]
    pub config_map: Option<NameRef>,
    #[serde(default)]
    pub secret: Option<NameRef>,
}

/// `{name, optional}`: configMap volumes, key refs, envFrom sources, pull secrets.
#[derive(Deserialize)]
pub(crate) struct NameRef {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub optional: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container {
    #[serde(default, deserialize_with = "null_as_default")]
    pub env: Vec<EnvVar>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub env_from: Vec<EnvFrom>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvVar {
    #[serde(default)]
    pub value_from: Option<EnvVarSource>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvVarSource {
    #[serde(default)]
    pub config_map_key_ref: Option<NameRef>,
    #[serde(default)]
    pub secret_key_ref: Option<NameRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnvFrom {
    #[serde(default)]
    pub config_map_ref: Option<NameRef>,
    #[serde(default)]
    pub secret_ref: Option<NameRef>,
}

/// `{spec: PodSpec}`: a Pod.
#[derive(Deserialize)]
pub(crate) struct Pod {
    #[serde(default)]
    pub spec: PodSpec,
}

/// `{spec: {template: {spec}}}`: Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
/// ReplicationController.
#[derive(Deserialize)]
pub(crate) struct Workload {
    #[serde(default)]
    pub spec: WorkloadSpec,
}

#[derive(Deserialize, Default)]
pub(crate) struct WorkloadSpec {
    #[serde(default)]
    pub template: Template,
}

#[derive(Deserialize, Default)]
pub(crate) struct Template {
    #[serde(default)]
    pub spec: PodSpec,
}

/// `{spec: {jobTemplate: {spec: {template: {spec}}}}}`: a CronJob.
#[derive(Deserialize)]
pub(crate) struct CronJob {
    #[serde(default)]
    pub spec: CronJobSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CronJobSpec {
    #[serde(default)]
    pub job_template: WorkloadSpecHolder,
}

#[derive(Deserialize, Default)]
pub(crate) struct WorkloadSpecHolder {
    #[serde(default)]
    pub spec: WorkloadSpec,
}

#[derive(Deserialize)]
pub(crate) struct Service {
    #[serde(default)]
    pub spec: ServiceSpec,
}

#[derive(Deserialize, Default)]
pub(crate) struct ServiceSpec {
    #[serde(default)]
    pub selector: Option<BTreeMap<String, String>>,
}

/// PodDisruptionBudget (`spec.selector`).
#[derive(Deserialize)]
pub(crate) struct Pdb {
    #[serde(default)]
    pub spec: PdbSpec,
}

#[derive(Deserialize, Default)]
pub(crate) struct PdbSpec {
    #[serde(default)]
    pub selector: Option<LabelSelectorSpec>,
}

#[derive(Deserialize)]
pub(crate) struct NetworkPolicy {
    #[serde(default)]
    pub spec: NetworkPolicySpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NetworkPolicySpec {
    #[serde(default)]
    pub pod_selector: Option<LabelSelectorSpec>,
}

/// PersistentVolumeClaim and PersistentVolume (`spec.volumeName`, `spec.storageClassName`).
#[derive(Deserialize)]
pub(crate) struct Storage {
    #[serde(default)]
    pub spec: StorageSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StorageSpec {
    #[serde(default)]
    pub volume_name: Option<String>,
    #[serde(default)]
    pub storage_class_name: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Ingress {
    #[serde(default)]
    pub spec: IngressSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressSpec {
    #[serde(default)]
    pub ingress_class_name: Option<String>,
    #[serde(default)]
    pub default_backend: Option<Backend>,
    /// `extensions/v1beta1` and `networking.k8s.io/v1beta1` name it `backend`.
    #[serde(default)]
    pub backend: Option<Backend>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub rules: Vec<IngressRule>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tls: Vec<IngressTls>,
}

#[derive(Deserialize)]
pub(crate) struct IngressRule {
    #[serde(default)]
    pub http: Option<HttpRule>,
}

#[derive(Deserialize)]
pub(crate) struct HttpRule {
    #[serde(default, deserialize_with = "null_as_default")]
    pub paths: Vec<HttpPath>,
}

#[derive(Deserialize)]
pub(crate) struct HttpPath {
    #[serde(default)]
    pub backend: Option<Backend>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Backend {
    #[serde(default)]
    pub service: Option<NameRef>,
    /// v1beta1 form.
    #[serde(default)]
    pub service_name: Option<String>,
    #[serde(default)]
    pub resource: Option<TypedRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct IngressTls {
    #[serde(default)]
    pub secret_name: Option<String>,
}

/// `{apiGroup, kind, name}` (Ingress resource backends, roleRef).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TypedRef {
    #[serde(default)]
    pub api_group: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

/// HorizontalPodAutoscaler (`spec.scaleTargetRef`) and VerticalPodAutoscaler
/// (`spec.targetRef`).
#[derive(Deserialize)]
pub(crate) struct Autoscaler {
    #[serde(default)]
    pub spec: AutoscalerSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AutoscalerSpec {
    #[serde(default)]
    pub scale_target_ref: Option<CrossVersionRef>,
    #[serde(default)]
    pub target_ref: Option<CrossVersionRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CrossVersionRef {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Deserialize)]
pub(crate) struct EndpointSlice {
    #[serde(default, deserialize_with = "null_as_default")]
    pub endpoints: Vec<Endpoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Endpoint {
    #[serde(default)]
    pub target_ref: Option<ObjectReference>,
}

#[derive(Deserialize)]
pub(crate) struct ObjectReference {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
}

/// RoleBinding and ClusterRoleBinding.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Binding {
    #[serde(default)]
    pub role_ref: Option<TypedRef>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub subjects: Vec<Subject>,
}

#[derive(Deserialize)]
pub(crate) struct Subject {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
}

/// The labels of a workload's pod template (`spec.template.metadata.labels`).
#[derive(Deserialize, Default)]
pub(crate) struct TemplateLabels {
    #[serde(default)]
    pub spec: TemplateLabelsSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TemplateLabelsSpec {
    #[serde(default)]
    pub template: Option<LabelledTemplate>,
    /// A CronJob's: `spec.jobTemplate.spec.template`.
    #[serde(default)]
    pub job_template: Option<Box<TemplateLabels>>,
}

#[derive(Deserialize, Default)]
pub(crate) struct LabelledTemplate {
    #[serde(default)]
    pub metadata: TemplateMetadata,
}

#[derive(Deserialize, Default)]
pub(crate) struct TemplateMetadata {
    #[serde(default, deserialize_with = "null_as_default")]
    pub labels: BTreeMap<String, String>,
}

/// `{namespace, name}`: a webhook's `clientConfig.service`, an APIService's
/// `spec.service`.
#[derive(Deserialize)]
pub(crate) struct ServiceRef {
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: String,
}

/// ValidatingWebhookConfiguration and MutatingWebhookConfiguration.
#[derive(Deserialize)]
pub(crate) struct WebhookConfiguration {
    #[serde(default, deserialize_with = "null_as_default")]
    pub webhooks: Vec<Webhook>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Webhook {
    #[serde(default)]
    pub client_config: Option<ClientConfig>,
}

#[derive(Deserialize)]
pub(crate) struct ClientConfig {
    #[serde(default)]
    pub service: Option<ServiceRef>,
}

/// APIService (`spec.service`; absent for groups the API server serves itself).
#[derive(Deserialize)]
pub(crate) struct ApiService {
    #[serde(default)]
    pub spec: ApiServiceSpec,
}

#[derive(Deserialize, Default)]
pub(crate) struct ApiServiceSpec {
    #[serde(default)]
    pub service: Option<ServiceRef>,
}

/// Gateway API routes (HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, UDPRoute).
#[derive(Deserialize)]
pub(crate) struct Route {
    #[serde(default)]
    pub spec: RouteSpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RouteSpec {
    #[serde(default, deserialize_with = "null_as_default")]
    pub parent_refs: Vec<GatewayRef>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub rules: Vec<RouteRule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RouteRule {
    #[serde(default, deserialize_with = "null_as_default")]
    pub backend_refs: Vec<GatewayRef>,
}

/// A Gateway API reference: `group` and `kind` default by field (`""`/`Service` for
/// backends, `gateway.networking.k8s.io`/`Gateway` for parents), `namespace` to the
/// route's.
#[derive(Deserialize)]
pub(crate) struct GatewayRef {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub name: String,
}

/// A Gateway (`spec.gatewayClassName`).
#[derive(Deserialize)]
pub(crate) struct Gateway {
    #[serde(default)]
    pub spec: GatewaySpec,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GatewaySpec {
    #[serde(default)]
    pub gateway_class_name: Option<String>,
}
