//! Every Pod Security control against the cases of the Pod Security admission
//! controller (`k8s.io/pod-security-admission/policy/check_*.go` and their
//! `*_test.go`): the pod fragments of its tests, transcribed, and the edges its checks
//! decide (case, empty strings, `null`, init and ephemeral containers, Windows pods,
//! user namespaces). korral must report a pod exactly when admission refuses it.

use korral_audit::{Options, audit_rules};
use korral_core::Loader;

/// One case: the control's rules, a pod (`spec:` and, when needed, `metadata:`), the
/// Kubernetes version the admission controller runs, and whether it admits the pod.
#[derive(Clone, Copy)]
struct Case {
    control: &'static str,
    rules: &'static [&'static str],
    name: &'static str,
    pod: &'static str,
    version: (u32, u32),
    allowed: bool,
}

const LATEST: (u32, u32) = korral_audit::LATEST_KUBE_VERSION;

const fn case(
    control: &'static str,
    rules: &'static [&'static str],
    name: &'static str,
    pod: &'static str,
    allowed: bool,
) -> Case {
    Case {
        control,
        rules,
        name,
        pod,
        version: LATEST,
        allowed,
    }
}

const fn at(version: (u32, u32), c: Case) -> Case {
    Case { version, ..c }
}

const PRIVILEGED: &[&str] = &["PSB003"];
const HOST_NAMESPACES: &[&str] = &["PSB002"];
const HOST_PROCESS: &[&str] = &["PSB001"];
const CAPS_BASELINE: &[&str] = &["PSB004"];
const HOST_PATH: &[&str] = &["PSB005"];
const HOST_PORTS: &[&str] = &["PSB006"];
const APPARMOR: &[&str] = &["PSB007"];
const SELINUX: &[&str] = &["PSB008"];
const PROC_MOUNT: &[&str] = &["PSB009"];
const SECCOMP_BASELINE: &[&str] = &["PSB010"];
const SYSCTLS: &[&str] = &["PSB011"];
const PROBE_HOST: &[&str] = &["PSB012"];
const VOLUMES: &[&str] = &["PSR001"];
const ESCALATION: &[&str] = &["PSR002"];
const NON_ROOT: &[&str] = &["PSR003"];
const RUN_AS_USER: &[&str] = &["PSR004"];
const SECCOMP_RESTRICTED: &[&str] = &["PSR005"];
const CAPS_RESTRICTED: &[&str] = &["PSR006"];
const PROC_MOUNT_RESTRICTED: &[&str] = &["PSB009", "PSR007"];

#[rustfmt::skip]
const CASES: &[Case] = &[
    // privileged
    case("privileged", PRIVILEGED, "no security context", "spec: {containers: [{name: a}]}", true),
    case("privileged", PRIVILEGED, "false and null", "spec: {containers: [{name: a, securityContext: {privileged: false}}, {name: b, securityContext: {privileged: null}}]}", true),
    case("privileged", PRIVILEGED, "multiple containers", "spec: {containers: [{name: a}, {name: b, securityContext: {}}, {name: c, securityContext: {privileged: false}}, {name: d, securityContext: {privileged: true}}, {name: e, securityContext: {privileged: true}}]}", false),
    case("privileged", PRIVILEGED, "init container", "spec: {initContainers: [{name: i, securityContext: {privileged: true}}], containers: [{name: a}]}", false),
    case("privileged", PRIVILEGED, "ephemeral container", "spec: {containers: [{name: a}], ephemeralContainers: [{name: e, securityContext: {privileged: true}}]}", false),
    // hostNamespaces
    case("hostNamespaces", HOST_NAMESPACES, "unset and false", "spec: {hostNetwork: false, hostPID: null, containers: [{name: a}]}", true),
    case("hostNamespaces", HOST_NAMESPACES, "host network", "spec: {hostNetwork: true, containers: [{name: a}]}", false),
    case("hostNamespaces", HOST_NAMESPACES, "host PID", "spec: {hostPID: true, containers: [{name: a}]}", false),
    case("hostNamespaces", HOST_NAMESPACES, "host IPC", "spec: {hostIPC: true, containers: [{name: a}]}", false),
    // windowsHostProcess
    case("windowsHostProcess", HOST_PROCESS, "false", "spec: {securityContext: {windowsOptions: {hostProcess: false}}, containers: [{name: a, securityContext: {windowsOptions: {hostProcess: false}}}]}", true),
    case("windowsHostProcess", HOST_PROCESS, "pod", "spec: {securityContext: {windowsOptions: {hostProcess: true}}, containers: [{name: a}]}", false),
    case("windowsHostProcess", HOST_PROCESS, "containers", "spec: {containers: [{name: a}, {name: b, securityContext: {windowsOptions: {hostProcess: true}}}]}", false),
    case("windowsHostProcess", HOST_PROCESS, "ephemeral container", "spec: {containers: [{name: a}], ephemeralContainers: [{name: e, securityContext: {windowsOptions: {hostProcess: true}}}]}", false),
    // capabilities_baseline
    case("capabilities_baseline", CAPS_BASELINE, "default set", "spec: {containers: [{name: a, securityContext: {capabilities: {add: [AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT]}}}]}", true),
    case("capabilities_baseline", CAPS_BASELINE, "multiple containers", "spec: {containers: [{name: a, securityContext: {capabilities: {add: [FOO, BAR]}}}, {name: b, securityContext: {capabilities: {add: [BAR, BAZ]}}}]}", false),
    case("capabilities_baseline", CAPS_BASELINE, "CAP_ prefix is another name", "spec: {containers: [{name: a, securityContext: {capabilities: {add: [CAP_CHOWN]}}}]}", false),
    case("capabilities_baseline", CAPS_BASELINE, "lower case is another name", "spec: {containers: [{name: a, securityContext: {capabilities: {add: [chown]}}}]}", false),
    case("capabilities_baseline", CAPS_BASELINE, "empty name", "spec: {containers: [{name: a, securityContext: {capabilities: {add: [\"\"]}}}]}", false),
    case("capabilities_baseline", CAPS_BASELINE, "init container", "spec: {initContainers: [{name: i, securityContext: {capabilities: {add: [NET_RAW]}}}], containers: [{name: a}]}", false),
    case("capabilities_baseline", CAPS_BASELINE, "drop is not judged", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [SYS_ADMIN]}}}]}", true),
    // hostPathVolumes
    case("hostPathVolumes", HOST_PATH, "other volumes", "spec: {volumes: [{name: a, emptyDir: {}}, {name: b, hostPath: null}], containers: [{name: a}]}", true),
    case("hostPathVolumes", HOST_PATH, "host path", "spec: {volumes: [{name: a, hostPath: {path: /var/run/docker.sock}}], containers: [{name: a}]}", false),
    // hostPorts
    case("hostPorts", HOST_PORTS, "zero and unset", "spec: {containers: [{name: a, ports: [{containerPort: 80}, {containerPort: 81, hostPort: 0}]}]}", true),
    case("hostPorts", HOST_PORTS, "multiple containers", "spec: {containers: [{name: a, ports: [{hostPort: 10}, {hostPort: 20}]}, {name: b, ports: [{hostPort: 30}]}]}", false),
    case("hostPorts", HOST_PORTS, "init container", "spec: {initContainers: [{name: i, ports: [{hostPort: 10}]}], containers: [{name: a}]}", false),
    // appArmorProfile
    case("appArmorProfile", APPARMOR, "annotations allowed", "metadata: {name: case, annotations: {container.apparmor.security.beta.kubernetes.io/a: \"\", container.apparmor.security.beta.kubernetes.io/b: runtime/default, container.apparmor.security.beta.kubernetes.io/c: localhost/, container.apparmor.security.beta.kubernetes.io/d: localhost/foo, env: prod}}\nspec: {containers: [{name: a}]}", true),
    case("appArmorProfile", APPARMOR, "annotation bogus", "metadata: {name: case, annotations: {container.apparmor.security.beta.kubernetes.io/: bogus}}\nspec: {containers: [{name: a}]}", false),
    case("appArmorProfile", APPARMOR, "annotation unconfined", "metadata: {name: case, annotations: {container.apparmor.security.beta.kubernetes.io/e: unconfined}}\nspec: {containers: [{name: e}]}", false),
    case("appArmorProfile", APPARMOR, "annotation unknown", "metadata: {name: case, annotations: {container.apparmor.security.beta.kubernetes.io/f: unknown}}\nspec: {containers: [{name: f}]}", false),
    case("appArmorProfile", APPARMOR, "fields allowed", "spec: {securityContext: {appArmorProfile: {type: RuntimeDefault}}, containers: [{name: a, securityContext: {appArmorProfile: {type: Localhost, localhostProfile: foo}}}, {name: b, securityContext: {appArmorProfile: null}}]}", true),
    case("appArmorProfile", APPARMOR, "pod unconfined", "spec: {securityContext: {appArmorProfile: {type: Unconfined}}, containers: [{name: a}]}", false),
    case("appArmorProfile", APPARMOR, "container without a type", "spec: {containers: [{name: a, securityContext: {appArmorProfile: {}}}]}", false),
    case("appArmorProfile", APPARMOR, "type in lower case", "spec: {containers: [{name: a, securityContext: {appArmorProfile: {type: runtimedefault}}}]}", false),
    case("appArmorProfile", APPARMOR, "ephemeral container unconfined", "spec: {containers: [{name: a}], ephemeralContainers: [{name: e, securityContext: {appArmorProfile: {type: Unconfined}}}]}", false),
    // seLinuxOptions
    case("seLinuxOptions", SELINUX, "allowed types", "spec: {securityContext: {seLinuxOptions: {}}, containers: [{name: a, securityContext: {seLinuxOptions: {type: container_t}}}, {name: b, securityContext: {seLinuxOptions: {type: container_init_t}}}, {name: c, securityContext: {seLinuxOptions: {type: container_kvm_t}}}, {name: d, securityContext: {seLinuxOptions: {type: container_engine_t}}}, {name: e, securityContext: {seLinuxOptions: {type: \"\", user: \"\", role: \"\", level: s0}}}]}", true),
    at((1, 30), case("seLinuxOptions", SELINUX, "container_engine_t before 1.31", "spec: {containers: [{name: d, securityContext: {seLinuxOptions: {type: container_engine_t}}}]}", false)),
    case("seLinuxOptions", SELINUX, "invalid pod and containers", "spec: {securityContext: {seLinuxOptions: {type: foo, user: bar, role: baz}}, containers: [{name: a, securityContext: {seLinuxOptions: {type: container_t}}}, {name: e, securityContext: {seLinuxOptions: {type: bar}}}]}", false),
    case("seLinuxOptions", SELINUX, "invalid containers", "spec: {securityContext: {seLinuxOptions: {}}, containers: [{name: f, securityContext: {seLinuxOptions: {user: bar}}}]}", false),
    case("seLinuxOptions", SELINUX, "bad type", "spec: {securityContext: {seLinuxOptions: {type: bad}}, containers: [{name: a}]}", false),
    case("seLinuxOptions", SELINUX, "bad user", "spec: {securityContext: {seLinuxOptions: {user: bad}}, containers: [{name: a}]}", false),
    case("seLinuxOptions", SELINUX, "bad role", "spec: {securityContext: {seLinuxOptions: {role: bad}}, containers: [{name: a}]}", false),
    // procMount
    case("procMount", PROC_MOUNT, "default and unset", "spec: {containers: [{name: a}, {name: b, securityContext: {}}, {name: c, securityContext: {procMount: Default}}]}", true),
    case("procMount", PROC_MOUNT, "unmasked and other", "spec: {hostUsers: true, containers: [{name: d, securityContext: {procMount: Unmasked}}, {name: e, securityContext: {procMount: other}}]}", false),
    case("procMount", PROC_MOUNT, "user namespace before 1.35", "spec: {hostUsers: false, containers: [{name: d, securityContext: {procMount: Unmasked}}]}", false),
    at((1, 35), case("procMount", PROC_MOUNT, "user namespace from 1.35", "spec: {hostUsers: false, containers: [{name: d, securityContext: {procMount: Unmasked}}, {name: e, securityContext: {procMount: other}}]}", true)),
    // procMount_restricted: the restricted level, whose /proc check knows no user namespace
    case("procMount_restricted", PROC_MOUNT_RESTRICTED, "default", "spec: {containers: [{name: c, securityContext: {procMount: Default}}]}", true),
    at((1, 35), case("procMount_restricted", PROC_MOUNT_RESTRICTED, "user namespace", "spec: {hostUsers: false, containers: [{name: d, securityContext: {procMount: Unmasked}}]}", false)),
    case("procMount_restricted", PROC_MOUNT_RESTRICTED, "host users", "spec: {hostUsers: true, containers: [{name: d, securityContext: {procMount: Unmasked}}]}", false),
    // seccompProfile_baseline
    case("seccompProfile_baseline", SECCOMP_BASELINE, "unset and allowed", "spec: {securityContext: {seccompProfile: {type: RuntimeDefault}}, containers: [{name: a}, {name: b, securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}}, {name: c, securityContext: {seccompProfile: null}}]}", true),
    case("seccompProfile_baseline", SECCOMP_BASELINE, "pod unconfined", "spec: {securityContext: {seccompProfile: {type: Unconfined}}, containers: [{name: a}]}", false),
    case("seccompProfile_baseline", SECCOMP_BASELINE, "container unconfined", "spec: {containers: [{name: c, securityContext: {seccompProfile: {type: Unconfined}}}]}", false),
    case("seccompProfile_baseline", SECCOMP_BASELINE, "profile without a type", "spec: {securityContext: {seccompProfile: {}}, containers: [{name: a}]}", false),
    case("seccompProfile_baseline", SECCOMP_BASELINE, "type in lower case", "spec: {containers: [{name: a, securityContext: {seccompProfile: {type: runtimedefault}}}]}", false),
    // sysctls
    case("sysctls", SYSCTLS, "safe", "spec: {securityContext: {sysctls: [{name: kernel.shm_rmid_forced, value: \"0\"}, {name: net.ipv4.ip_local_port_range, value: 1024 65535}]}, containers: [{name: a}]}", true),
    case("sysctls", SYSCTLS, "forbidden sysctls", "spec: {securityContext: {sysctls: [{name: a}, {name: b}]}, containers: [{name: a}]}", false),
    at((1, 26), case("sysctls", SYSCTLS, "new supported sysctls not supported", "spec: {securityContext: {sysctls: [{name: net.ipv4.ip_local_reserved_ports, value: 1024-4999}]}, containers: [{name: a}]}", false)),
    at((1, 27), case("sysctls", SYSCTLS, "new supported sysctls", "spec: {securityContext: {sysctls: [{name: net.ipv4.ip_local_reserved_ports, value: 1024-4999}]}, containers: [{name: a}]}", true)),
    at((1, 28), case("sysctls", SYSCTLS, "keepalive before 1.29", "spec: {securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: \"7200\"}]}, containers: [{name: a}]}", false)),
    at((1, 29), case("sysctls", SYSCTLS, "keepalive from 1.29", "spec: {securityContext: {sysctls: [{name: net.ipv4.tcp_keepalive_time, value: \"7200\"}, {name: net.ipv4.tcp_fin_timeout, value: \"60\"}, {name: net.ipv4.tcp_keepalive_intvl, value: \"75\"}, {name: net.ipv4.tcp_keepalive_probes, value: \"9\"}]}, containers: [{name: a}]}", true)),
    case("sysctls", SYSCTLS, "names are exact", "spec: {securityContext: {sysctls: [{name: Kernel.shm_rmid_forced, value: \"0\"}]}, containers: [{name: a}]}", false),
    // hostProbesAndHostLifecycle
    case("hostProbesAndHostLifecycle", PROBE_HOST, "empty and unset hosts", "spec: {containers: [{name: a, livenessProbe: {httpGet: {host: \"\", port: 80}}, readinessProbe: {tcpSocket: {port: 80}}, lifecycle: {preStop: {httpGet: {port: 80}}}}]}", true),
    case("hostProbesAndHostLifecycle", PROBE_HOST, "probe host", "spec: {containers: [{name: a, startupProbe: {httpGet: {host: example.com, port: 80}}}]}", false),
    case("hostProbesAndHostLifecycle", PROBE_HOST, "lifecycle tcp host", "spec: {initContainers: [{name: i, lifecycle: {postStart: {tcpSocket: {host: 10.0.0.1, port: 22}}}}], containers: [{name: a}]}", false),
    at((1, 33), case("hostProbesAndHostLifecycle", PROBE_HOST, "not checked before 1.34", "spec: {containers: [{name: a, startupProbe: {httpGet: {host: example.com, port: 80}}}]}", true)),
    // restrictedVolumes
    case("restrictedVolumes", VOLUMES, "allowed volumes", "spec: {volumes: [{name: a, configMap: {name: c}}, {name: b, csi: {driver: d}}, {name: c, downwardAPI: {}}, {name: d, emptyDir: {}}, {name: e, ephemeral: {}}, {name: f, persistentVolumeClaim: {claimName: p}}, {name: g, projected: {}}, {name: h, secret: {secretName: s}}, {name: i}], containers: [{name: a}]}", true),
    case("restrictedVolumes", VOLUMES, "host path", "spec: {volumes: [{name: a, hostPath: {path: /}}], containers: [{name: a}]}", false),
    case("restrictedVolumes", VOLUMES, "nfs", "spec: {volumes: [{name: a, nfs: {server: s, path: /}}], containers: [{name: a}]}", false),
    case("restrictedVolumes", VOLUMES, "git repo", "spec: {volumes: [{name: a, gitRepo: {repository: r}}], containers: [{name: a}]}", false),
    case("restrictedVolumes", VOLUMES, "null source next to an allowed one", "spec: {volumes: [{name: a, emptyDir: {}, nfs: null}], containers: [{name: a}]}", true),
    // allowPrivilegeEscalation
    case("allowPrivilegeEscalation", ESCALATION, "false everywhere", "spec: {initContainers: [{name: i, securityContext: {allowPrivilegeEscalation: false}}], containers: [{name: a, securityContext: {allowPrivilegeEscalation: false}}]}", true),
    case("allowPrivilegeEscalation", ESCALATION, "multiple containers", "spec: {containers: [{name: a}, {name: b, securityContext: {}}, {name: c, securityContext: {allowPrivilegeEscalation: false}}, {name: d, securityContext: {allowPrivilegeEscalation: true}}]}", false),
    case("allowPrivilegeEscalation", ESCALATION, "null", "spec: {containers: [{name: a, securityContext: {allowPrivilegeEscalation: null}}]}", false),
    case("allowPrivilegeEscalation", ESCALATION, "ephemeral container", "spec: {containers: [{name: a, securityContext: {allowPrivilegeEscalation: false}}], ephemeralContainers: [{name: e}]}", false),
    case("allowPrivilegeEscalation", ESCALATION, "windows pod", "spec: {os: {name: windows}, containers: [{name: a}]}", true),
    // runAsNonRoot
    case("runAsNonRoot", NON_ROOT, "pod true", "spec: {securityContext: {runAsNonRoot: true}, containers: [{name: a}, {name: b, securityContext: {}}, {name: c, securityContext: {runAsNonRoot: true}}]}", true),
    case("runAsNonRoot", NON_ROOT, "no explicit runAsNonRoot", "spec: {containers: [{name: a}]}", false),
    case("runAsNonRoot", NON_ROOT, "pod runAsNonRoot=false", "spec: {securityContext: {runAsNonRoot: false}, containers: [{name: a, securityContext: null}]}", false),
    case("runAsNonRoot", NON_ROOT, "containers runAsNonRoot=false", "spec: {securityContext: {runAsNonRoot: true}, containers: [{name: a}, {name: b, securityContext: {}}, {name: c, securityContext: {runAsNonRoot: false}}, {name: e, securityContext: {runAsNonRoot: true}}]}", false),
    case("runAsNonRoot", NON_ROOT, "pod nil, container fallthrough", "spec: {containers: [{name: a}, {name: b, securityContext: {}}, {name: d, securityContext: {runAsNonRoot: true}}]}", false),
    case("runAsNonRoot", NON_ROOT, "every container true", "spec: {initContainers: [{name: i, securityContext: {runAsNonRoot: true}}], containers: [{name: d, securityContext: {runAsNonRoot: true}}]}", true),
    case("runAsNonRoot", NON_ROOT, "pod null", "spec: {securityContext: {runAsNonRoot: null}, containers: [{name: a}]}", false),
    case("runAsNonRoot", NON_ROOT, "windows pods are not exempt", "spec: {os: {name: windows}, containers: [{name: a}]}", false),
    case("runAsNonRoot", NON_ROOT, "host users false before 1.35", "spec: {hostUsers: false, containers: [{name: a}]}", false),
    at((1, 35), case("runAsNonRoot", NON_ROOT, "host users false allowed", "spec: {hostUsers: false, containers: [{name: a}]}", true)),
    // runAsUser
    case("runAsUser", RUN_AS_USER, "non-zero and unset", "spec: {securityContext: {runAsUser: 1000}, containers: [{name: a}, {name: b, securityContext: {runAsUser: null}}, {name: c, securityContext: {runAsUser: 1}}]}", true),
    case("runAsUser", RUN_AS_USER, "pod zero", "spec: {securityContext: {runAsUser: 0}, containers: [{name: a}]}", false),
    case("runAsUser", RUN_AS_USER, "container zero", "spec: {securityContext: {runAsUser: 1000}, containers: [{name: a}, {name: c, securityContext: {runAsUser: 0}}]}", false),
    case("runAsUser", RUN_AS_USER, "ephemeral zero", "spec: {containers: [{name: a}], ephemeralContainers: [{name: e, securityContext: {runAsUser: 0}}]}", false),
    at((1, 35), case("runAsUser", RUN_AS_USER, "host users false allowed", "spec: {hostUsers: false, securityContext: {runAsUser: 0}, containers: [{name: a}]}", true)),
    // seccompProfile_restricted
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "pod runtime default", "spec: {securityContext: {seccompProfile: {type: RuntimeDefault}}, containers: [{name: a}, {name: b, securityContext: {}}, {name: c, securityContext: {seccompProfile: {type: Localhost, localhostProfile: p}}}]}", true),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "every container set", "spec: {containers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}}], initContainers: [{name: i, securityContext: {seccompProfile: {type: Localhost, localhostProfile: p}}}]}", true),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "no explicit seccomp", "spec: {containers: [{name: a}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "pod seccomp invalid", "spec: {securityContext: {seccompProfile: {type: Unconfined}}, containers: [{name: a, securityContext: null}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "containers seccomp invalid", "spec: {securityContext: {seccompProfile: {type: RuntimeDefault}}, containers: [{name: a}, {name: c, securityContext: {seccompProfile: {type: Unconfined}}}, {name: e, securityContext: {seccompProfile: {type: RuntimeDefault}}}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "pod nil, container fallthrough", "spec: {containers: [{name: a}, {name: b, securityContext: {}}, {name: d, securityContext: {seccompProfile: {type: RuntimeDefault}}}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "pod profile without a type", "spec: {securityContext: {seccompProfile: {}}, containers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "container profile without a type under a good pod", "spec: {securityContext: {seccompProfile: {type: RuntimeDefault}}, containers: [{name: a, securityContext: {seccompProfile: {type: \"\"}}}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "ephemeral container without", "spec: {containers: [{name: a, securityContext: {seccompProfile: {type: RuntimeDefault}}}], ephemeralContainers: [{name: e}]}", false),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "windows pod", "spec: {os: {name: windows}, containers: [{name: a}]}", true),
    case("seccompProfile_restricted", SECCOMP_RESTRICTED, "windows in capitals is not windows", "spec: {os: {name: Windows}, containers: [{name: a}]}", false),
    // capabilities_restricted
    case("capabilities_restricted", CAPS_RESTRICTED, "drop ALL, add NET_BIND_SERVICE", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}}], initContainers: [{name: i, securityContext: {capabilities: {drop: [FOO, ALL]}}}]}", true),
    case("capabilities_restricted", CAPS_RESTRICTED, "multiple containers", "spec: {containers: [{name: a, securityContext: {capabilities: {add: [FOO, BAR]}}}, {name: b, securityContext: {capabilities: {add: [BAR, BAZ]}}}, {name: c, securityContext: {capabilities: {add: [NET_BIND_SERVICE, CHOWN], drop: [ALL, FOO]}}}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "drop all in lower case", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [all]}}}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "drop All", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [All]}}}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "no capabilities", "spec: {containers: [{name: a, securityContext: {}}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "add CAP_NET_BIND_SERVICE", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [CAP_NET_BIND_SERVICE]}}}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "add net_bind_service", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL], add: [net_bind_service]}}}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "ephemeral container", "spec: {containers: [{name: a, securityContext: {capabilities: {drop: [ALL]}}}], ephemeralContainers: [{name: e}]}", false),
    case("capabilities_restricted", CAPS_RESTRICTED, "windows pod", "spec: {os: {name: windows}, containers: [{name: a}]}", true),
];

#[test]
fn every_pod_security_control_decides_as_the_admission_controller() {
    let mut wrong = Vec::new();
    for c in CASES {
        let mut text = String::from("apiVersion: v1\nkind: Pod\n");
        if !c.pod.starts_with("metadata:") {
            text.push_str("metadata: {name: case}\n");
        }
        text.push_str(c.pod);
        let set = Loader::load_str("case.yaml", &text)
            .unwrap_or_else(|e| panic!("{} / {}: {e}", c.control, c.name));
        let options = Options {
            kube_version: c.version,
            ..Options::default()
        };
        let report = audit_rules(&set, &options, c.rules).unwrap();
        let allowed = report.findings.is_empty();
        if allowed != c.allowed {
            let found: Vec<String> = report.findings.iter().map(|f| f.message.clone()).collect();
            wrong.push(format!(
                "{} / {} (1.{}): admission {}, korral {}: {found:?}",
                c.control,
                c.name,
                c.version.1,
                if c.allowed { "allows" } else { "refuses" },
                if allowed { "allows" } else { "refuses" },
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_control_has_an_allowed_and_a_refused_case() {
    let controls: std::collections::BTreeSet<&str> = CASES.iter().map(|c| c.control).collect();
    assert_eq!(controls.len(), 19, "{controls:?}");
    for control in controls {
        for allowed in [true, false] {
            assert!(
                CASES
                    .iter()
                    .any(|c| c.control == control && c.allowed == allowed),
                "{control}: no case that admission {}",
                if allowed { "allows" } else { "refuses" }
            );
        }
    }
}
