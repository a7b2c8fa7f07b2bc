//! An attempt's Job, made from the Tool's template and the Run's overrides.

use serde_json::{Value, json};

use super::runs::{ATTEMPT_LABEL, RUN_LABEL};
use crate::resources::{EnvVar, OutputSource, Run, ToolSpec};

/// The longest Run name: a Job name (`RUN-N`) becomes the pods' `job-name` label,
/// which is at most 63 characters, and the Job controller adds `-xxxxx` to pod names.
pub const MAX_RUN_NAME: usize = 52;

/// The name of attempt `n` (1 for the first) of `run`.
pub fn job_name(run: &str, n: u32) -> String {
    format!("{run}-{n}")
}

/// The Job of attempt `n`, owned by the Run, as JSON (what the API server gets).
/// `Err` says what in the Tool cannot make a Job.
pub fn job(run: &Run, tool: &ToolSpec, n: u32, memory: Option<&str>) -> Result<Value, String> {
    let name = run.metadata.name.as_deref().unwrap_or_default();
    let uid = run.metadata.uid.as_deref().unwrap_or_default();
    let mut template = tool.template.clone();
    if !template.is_object() {
        return Err("spec.template must be a pod template (metadata and spec)".to_owned());
    }
    let containers = template
        .pointer_mut("/spec/containers")
        .and_then(Value::as_array_mut)
        .filter(|c| !c.is_empty())
        .ok_or("spec.template.spec.containers is empty; give the tool a container")?;
    let first = &mut containers[0];
    if !first.is_object() {
        return Err("spec.template.spec.containers[0] is not an object".to_owned());
    }
    let args = if run.spec.args.is_empty() {
        &tool.args
    } else {
        &run.spec.args
    };
    if !args.is_empty() {
        first["args"] = json!(args);
    }
    let env = merge_env(first.get("env"), &tool.env, &run.spec.env);
    if !env.is_empty() {
        first["env"] = Value::Array(env);
    }
    if let Some(resources) = &tool.resources {
        first["resources"] = resources.clone();
    }
    if let Some(memory) = memory {
        let resources = &mut first["resources"];
        if !resources.is_object() {
            *resources = json!({});
        }
        resources["limits"]["memory"] = memory.into();
        // A request above the new limit would be refused: keep it at most the limit.
        if let Some(request) = resources
            .pointer("/requests/memory")
            .and_then(Value::as_str)
        {
            let over = request
                .parse::<korral_core::Quantity>()
                .ok()
                .zip(memory.parse::<korral_core::Quantity>().ok())
                .is_some_and(|(r, m)| r.0 > m.0);
            if over {
                resources["requests"]["memory"] = memory.into();
            }
        }
    }
    if let Some(output) = run
        .spec
        .output
        .as_ref()
        .filter(|o| o.from == OutputSource::File)
    {
        let path = output.path.as_deref().unwrap_or_default();
        if !path.starts_with('/') {
            return Err(format!(
                "the step's output file `{path}` must be an absolute path"
            ));
        }
        first["terminationMessagePath"] = path.into();
    }
    template["spec"]["restartPolicy"] = "Never".into();
    let labels = &mut template["metadata"]["labels"];
    if !labels.is_object() {
        *labels = json!({});
    }
    labels[RUN_LABEL] = name.into();
    labels[ATTEMPT_LABEL] = n.to_string().into();
    let mut spec = json!({
        "backoffLimit": 0,
        "template": template,
    });
    if let Some(timeout) = tool.timeout {
        spec["activeDeadlineSeconds"] = timeout.into();
    }
    Ok(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(name, n),
            "namespace": run.metadata.namespace,
            "labels": {RUN_LABEL: name, ATTEMPT_LABEL: n.to_string()},
            "ownerReferences": [{
                "apiVersion": crate::API_VERSION,
                "kind": "Run",
                "name": name,
                "uid": uid,
                "controller": true,
                "blockOwnerDeletion": true,
            }],
        },
        "spec": spec,
    }))
}

/// The container's env, then the tool's, then the run's; a later one of a name
/// replaces an earlier one in place.
fn merge_env(container: Option<&Value>, tool: &[EnvVar], run: &[EnvVar]) -> Vec<Value> {
    let mut env: Vec<Value> = container
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for var in tool.iter().chain(run) {
        let entry = json!({"name": var.name, "value": var.value});
        match env
            .iter_mut()
            .find(|e| e.get("name").and_then(Value::as_str) == Some(var.name.as_str()))
        {
            Some(old) => *old = entry,
            None => env.push(entry),
        }
    }
    env
}

/// The memory limit of the tool's first container, as the Tool says it.
pub fn memory_limit(tool: &ToolSpec) -> Option<String> {
    let resources = tool.resources.clone().or_else(|| {
        tool.template
            .pointer("/spec/containers/0/resources")
            .cloned()
    })?;
    resources
        .pointer("/limits/memory")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::{Output, RunSpec};

    fn tool() -> ToolSpec {
        ToolSpec {
            template: json!({"spec": {"restartPolicy": "OnFailure", "containers": [
                {"name": "scan", "image": "scanner:1", "env": [{"name": "A", "value": "container"}],
                 "resources": {"requests": {"memory": "256Mi"}, "limits": {"memory": "256Mi"}}}]}}),
            args: vec!["--all".to_owned()],
            env: vec![EnvVar {
                name: "B".to_owned(),
                value: "tool".to_owned(),
            }],
            timeout: Some(60),
            ..ToolSpec::default()
        }
    }

    fn run(spec: RunSpec) -> Run {
        let mut run = Run::new("scan-1", spec);
        run.metadata.namespace = Some("ci".to_owned());
        run.metadata.uid = Some("u-1".to_owned());
        run
    }

    #[test]
    fn the_job_is_owned_named_and_never_restarts() {
        let r = run(RunSpec {
            tool: "scan".to_owned(),
            env: vec![EnvVar {
                name: "A".to_owned(),
                value: "run".to_owned(),
            }],
            ..RunSpec::default()
        });
        let job = job(&r, &tool(), 2, None).unwrap();
        assert_eq!(job["metadata"]["name"], "scan-1-2");
        assert_eq!(job["metadata"]["ownerReferences"][0]["uid"], "u-1");
        assert_eq!(job["spec"]["backoffLimit"], 0);
        assert_eq!(job["spec"]["activeDeadlineSeconds"], 60);
        let pod = &job["spec"]["template"];
        assert_eq!(pod["spec"]["restartPolicy"], "Never");
        assert_eq!(pod["metadata"]["labels"][RUN_LABEL], "scan-1");
        assert_eq!(pod["metadata"]["labels"][ATTEMPT_LABEL], "2");
        let c = &pod["spec"]["containers"][0];
        assert_eq!(c["args"], json!(["--all"]));
        assert_eq!(
            c["env"],
            json!([{"name": "A", "value": "run"}, {"name": "B", "value": "tool"}])
        );
    }

    #[test]
    fn more_memory_after_an_oom_kill() {
        let r = run(RunSpec {
            tool: "scan".to_owned(),
            args: vec!["--quick".to_owned()],
            ..RunSpec::default()
        });
        let job = job(&r, &tool(), 2, Some("512Mi")).unwrap();
        let c = &job["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["args"], json!(["--quick"]));
        assert_eq!(c["resources"]["limits"]["memory"], "512Mi");
        assert_eq!(c["resources"]["requests"]["memory"], "256Mi");
        let lower = job_json_memory(&r, "128Mi");
        assert_eq!(lower["requests"]["memory"], "128Mi");
        assert_eq!(memory_limit(&tool()).as_deref(), Some("256Mi"));
    }

    fn job_json_memory(r: &Run, memory: &str) -> Value {
        job(r, &tool(), 1, Some(memory)).unwrap()["spec"]["template"]["spec"]["containers"][0]
            ["resources"]
            .clone()
    }

    #[test]
    fn a_file_output_becomes_the_termination_message() {
        let mut r = run(RunSpec {
            tool: "scan".to_owned(),
            ..RunSpec::default()
        });
        r.spec.output = Some(Output {
            from: OutputSource::File,
            path: Some("/out/version".to_owned()),
        });
        let job = job(&r, &tool(), 1, None).unwrap();
        assert_eq!(
            job["spec"]["template"]["spec"]["containers"][0]["terminationMessagePath"],
            "/out/version"
        );
        r.spec.output = Some(Output {
            from: OutputSource::File,
            path: Some("relative".to_owned()),
        });
        assert!(job_err(&r).contains("absolute path"));
    }

    fn job_err(r: &Run) -> String {
        job(r, &tool(), 1, None).unwrap_err()
    }

    #[test]
    fn a_tool_without_containers_is_refused() {
        let mut t = tool();
        t.template = json!({"spec": {"containers": []}});
        let r = run(RunSpec::default());
        assert!(
            job(&r, &t, 1, None)
                .unwrap_err()
                .contains("give the tool a container")
        );
    }
}
