//! The syntax rules of names: Kubernetes' (RFC 1123 labels and subdomains, qualified
//! label keys, label values, taints), K3s versions, addresses, environment variables.
//!
//! Each check returns why a name is wrong, in words that follow the name in a message.

use std::net::IpAddr;

/// Why a name breaks a rule: `is longer than 63 characters`.
pub type Why = &'static str;

fn alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// An RFC 1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63.
pub fn dns_label(name: &str) -> Result<(), Why> {
    if name.is_empty() {
        return Err("is empty");
    }
    if name.len() > 63 {
        return Err("is longer than 63 characters");
    }
    if !name.chars().all(|c| alnum(c) || c == '-') {
        return Err("may hold only lowercase letters, digits and `-`");
    }
    if !name.starts_with(alnum) || !name.ends_with(alnum) {
        return Err("must start and end with a lowercase letter or digit");
    }
    Ok(())
}

/// An RFC 1123 subdomain: labels joined by `.`, at most 253.
pub fn dns_subdomain(name: &str) -> Result<(), Why> {
    if name.is_empty() {
        return Err("is empty");
    }
    if name.len() > 253 {
        return Err("is longer than 253 characters");
    }
    if !name.chars().all(|c| alnum(c) || c == '-' || c == '.') {
        return Err("may hold only lowercase letters, digits, `-` and `.`");
    }
    for label in name.split('.') {
        dns_label(label).map_err(
            |_| "must be dot-separated parts that start and end with a lowercase letter or digit",
        )?;
    }
    Ok(())
}

/// The name part of a label key, or a label value when not empty:
/// `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63.
fn label_name(name: &str) -> Result<(), Why> {
    let ends = |c: char| c.is_ascii_alphanumeric();
    if name.len() > 63 {
        return Err("is longer than 63 characters");
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err("may hold only letters, digits, `-`, `_` and `.`");
    }
    if !name.starts_with(ends) || !name.ends_with(ends) {
        return Err("must start and end with a letter or digit");
    }
    Ok(())
}

/// A label or taint key: `[prefix/]name`, the prefix a DNS subdomain.
pub fn qualified_name(key: &str) -> Result<(), Why> {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix
        && dns_subdomain(prefix).is_err()
    {
        return Err("has a prefix that is not a DNS subdomain (lowercase, at most 253)");
    }
    if name.is_empty() {
        return Err("has an empty name");
    }
    label_name(name)
}

/// A label value: empty, or as the name part of a key.
pub fn label_value(value: &str) -> Result<(), Why> {
    if value.is_empty() {
        return Ok(());
    }
    label_name(value)
}

/// Labels under `kubernetes.io` and `k8s.io` that the NodeRestriction admission plugin
/// forbids a kubelet to set on its own Node (K3s passes node labels to the kubelet).
/// Allowed: the `kubelet.kubernetes.io` and `node.kubernetes.io` prefixes and the
/// well-known topology, OS, architecture and instance-type labels.
pub fn restricted_label_prefix(key: &str) -> bool {
    let Some((prefix, _)) = key.split_once('/') else {
        return false;
    };
    let under = |domain: &str| prefix == domain || prefix.ends_with(&format!(".{domain}"));
    let restricted = under("kubernetes.io") || under("k8s.io");
    let allowed = under("kubelet.kubernetes.io")
        || under("node.kubernetes.io")
        || matches!(
            key,
            "kubernetes.io/hostname"
                | "kubernetes.io/arch"
                | "kubernetes.io/os"
                | "beta.kubernetes.io/instance-type"
                | "topology.kubernetes.io/region"
                | "topology.kubernetes.io/zone"
                | "failure-domain.beta.kubernetes.io/region"
                | "failure-domain.beta.kubernetes.io/zone"
        );
    restricted && !allowed
}

/// A taint as `kubectl taint` writes it: `key[=value]:Effect`. Returns the key and effect.
pub fn taint(text: &str) -> Result<(String, String), Why> {
    let Some((head, effect)) = text.rsplit_once(':') else {
        return Err("has no `:Effect`");
    };
    if !matches!(effect, "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        return Err("has an effect other than NoSchedule, PreferNoSchedule or NoExecute");
    }
    let (key, value) = head.split_once('=').unwrap_or((head, ""));
    qualified_name(key).map_err(|_| "has a key that is not a valid label key")?;
    label_value(value).map_err(|_| "has a value that is not a valid label value")?;
    Ok((key.to_owned(), effect.to_owned()))
}

/// A K3s release tag: `vX.Y.Z+k3sN`, optionally `-rcN` before the `+`.
pub fn k3s_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let Some((semver, build)) = rest.split_once('+') else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let (core, pre) = match semver.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (semver, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| digits(p))
        && pre.is_none_or(|pre| pre.strip_prefix("rc").is_some_and(digits))
        && build.strip_prefix("k3s").is_some_and(digits)
}

/// `10.42.0.0/16`, `fd00::/56`.
pub fn cidr(text: &str) -> bool {
    let Some((address, prefix)) = text.split_once('/') else {
        return false;
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    prefix.parse::<u8>().is_ok_and(|p| p <= max)
}

/// Tailscale's CGNAT range 100.64.0.0/10 and its IPv6 range fd7a:115c:a1e0::/48.
pub fn tailscale_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            a == 100 && (64..128).contains(&b)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            s[0] == 0xfd7a && s[1] == 0x115c && s[2] == 0xa1e0
        }
    }
}

/// A POSIX environment variable name.
pub fn env_var(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `ssh://…`, `https://…`, `http://…`, `git@host:path`, `file://…`.
pub fn git_url(text: &str) -> bool {
    if text.contains(char::is_whitespace) || plain_text(text).is_err() || text.starts_with('-') {
        return false;
    }
    let scheme = ["ssh://", "https://", "http://", "file://"]
        .iter()
        .find_map(|s| text.strip_prefix(s));
    match scheme {
        Some(rest) => rest.len() > 1,
        None => text
            .split_once(':')
            .is_some_and(|(user_host, path)| user_host.contains('@') && !path.is_empty()),
    }
}

/// A registry host with an optional port: `docker.io`, `registry.local:5000`, `[fd00::1]:5000`.
pub fn registry_host(text: &str) -> Result<(), Why> {
    if has_control(text) {
        return Err("holds a control character");
    }
    host_port(text)
}

/// Whether `text` holds a character that must not reach a file line, a command line or a
/// terminal: C0 and C1 controls (newline, carriage return, tab, escape), DEL and the
/// Unicode direction overrides. A newline in a K3s argument would start a line of its own
/// in the systemd unit the generated role writes.
pub fn has_control(text: &str) -> bool {
    text.chars().any(korral_core::terminal::is_unsafe)
}

/// Whether `text` holds a Jinja delimiter (`{{`, `{%`, `{#`). korral hands every value
/// to Ansible as data (`!unsafe`), and also refuses these in cluster.yaml so that no
/// value reads as a template wherever it is copied to.
pub fn has_template_marker(text: &str) -> bool {
    ["{{", "{%", "{#"]
        .iter()
        .any(|marker| text.contains(marker))
}

/// What every free-text value must not hold: control characters and template markers.
pub fn plain_text(text: &str) -> Result<(), Why> {
    if has_control(text) {
        return Err("holds a control character (a line break, tab or escape)");
    }
    if has_template_marker(text) {
        return Err("holds a template marker (`{{`, `{%` or `{#`)");
    }
    Ok(())
}

/// A Unix login name as `useradd` takes it: a letter or `_` first, then letters,
/// digits, `_`, `.` and `-`, at most 32 (a trailing `$` for machine accounts).
pub fn unix_user(name: &str) -> Result<(), Why> {
    if name.is_empty() {
        return Err("is empty");
    }
    if name.len() > 32 {
        return Err("is longer than 32 characters");
    }
    let body = name.strip_suffix('$').unwrap_or(name);
    if !body.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return Err("must start with a letter or `_`");
    }
    if !body
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    {
        return Err("may hold only letters, digits, `_`, `.` and `-`");
    }
    Ok(())
}

/// A file or folder path on the machine running korral and Ansible: not empty, no
/// control characters, no template markers.
pub fn file_path(text: &str) -> Result<(), Why> {
    if text.trim().is_empty() {
        return Err("is empty");
    }
    plain_text(text)
}

/// A Git branch name as `git check-ref-format --branch` accepts it.
pub fn git_branch(name: &str) -> Result<(), Why> {
    if name.is_empty() {
        return Err("is empty");
    }
    if has_control(name) || name.contains(|c: char| c.is_whitespace() || "~^:?*[\\".contains(c)) {
        return Err("holds a space, a control character or one of `~^:?*[\\`");
    }
    if name.starts_with('-') || name.starts_with('/') || name.ends_with('/') {
        return Err("must not start with `-` or `/`, nor end with `/`");
    }
    if name.contains("..") || name.contains("@{") || name.contains("//") || name == "@" {
        return Err("must not hold `..`, `@{` or `//`, nor be `@`");
    }
    // Git refuses exactly `.lock` (its lock files), case and all.
    #[allow(clippy::case_sensitive_file_extension_comparisons)]
    if name.ends_with('.') || name.ends_with(".lock") {
        return Err("must not end with `.` or `.lock`");
    }
    if name.split('/').any(|part| part.starts_with('.')) {
        return Err("has a part that starts with `.`");
    }
    if has_template_marker(name) {
        return Err("holds a template marker (`{{`, `{%` or `{#`)");
    }
    Ok(())
}

/// A folder inside a repository: relative, no `..`, no empty parts beyond a trailing `/`.
pub fn repository_folder(text: &str) -> Result<(), Why> {
    let trimmed = text.trim_matches('/');
    if text.trim().is_empty() || trimmed.is_empty() {
        return Err("is empty");
    }
    if text.starts_with('/') {
        return Err("is absolute");
    }
    if trimmed
        .split('/')
        .any(|part| part == ".." || part.is_empty())
    {
        return Err("holds `..` or an empty part");
    }
    plain_text(text)
}

/// The host (a DNS name or an IP) and optional port of a URL's authority or a registry
/// key: `docker.io`, `registry.local:5000`, `10.0.0.1`, `[fd00::1]:5000`.
fn host_port(text: &str) -> Result<(), Why> {
    let (host, port) = match text.strip_prefix('[') {
        Some(rest) => {
            let Some((ip, after)) = rest.split_once(']') else {
                return Err("has an unclosed `[`");
            };
            if ip.parse::<std::net::Ipv6Addr>().is_err() {
                return Err("has an IPv6 address in brackets that is not one");
            }
            match after {
                "" => return Ok(()),
                _ => match after.strip_prefix(':') {
                    Some(port) => (None, Some(port)),
                    None => return Err("has something other than `:PORT` after `]`"),
                },
            }
        }
        None => match text.rsplit_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(text), None),
        },
    };
    if let Some(port) = port
        && !port.parse::<u16>().is_ok_and(|port| port > 0)
    {
        return Err("has a port that is not a number from 1 to 65535");
    }
    match host {
        None => Ok(()),
        Some(host) if host.parse::<std::net::Ipv4Addr>().is_ok() => Ok(()),
        Some(host) => dns_subdomain(&host.to_ascii_lowercase())
            .map_err(|_| "is not a host name, an IPv4 address or a bracketed IPv6 address"),
    }
}

/// A registry endpoint: `http(s)://host[:port][/path]`, no spaces or control characters.
pub fn registry_endpoint(text: &str) -> Result<(), Why> {
    let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    else {
        return Err("does not start with `https://` or `http://`");
    };
    plain_text(text)?;
    if text.contains(char::is_whitespace) {
        return Err("holds a space");
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("holds credentials (`user@`); give them in `configs` instead");
    }
    host_port(authority)
}

/// A node name made from a machine's host name: lowercase, invalid runs turned into `-`.
pub fn node_name_from(hostname: &str) -> String {
    let mut name = String::new();
    for c in hostname.chars() {
        let c = c.to_ascii_lowercase();
        if alnum(c) || c == '.' {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches(|c| c == '-' || c == '.');
    name.chars()
        .take(63)
        .collect::<String>()
        .trim_end_matches(['-', '.'])
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_subdomains_follow_rfc_1123() {
        assert!(dns_label("gpu-1").is_ok());
        assert!(dns_label("Gpu").is_err());
        assert!(dns_label("-a").is_err());
        assert!(dns_label(&"a".repeat(64)).is_err());
        assert!(dns_subdomain("node.example.ts.net").is_ok());
        assert!(dns_subdomain("a..b").is_err());
        assert!(dns_subdomain("a_b").is_err());
    }

    #[test]
    fn label_keys_values_and_taints_follow_kubernetes() {
        assert!(qualified_name("korral.io/gpu").is_ok());
        assert!(qualified_name("zone").is_ok());
        assert!(qualified_name("Zone_A.b").is_ok());
        assert!(qualified_name("Bad.Prefix/x").is_err());
        assert!(qualified_name("a/").is_err());
        assert!(qualified_name("a/b/c").is_err());
        assert!(label_value("").is_ok());
        assert!(label_value("true").is_ok());
        assert!(label_value("a b").is_err());
        assert!(label_value(&"v".repeat(64)).is_err());
        assert_eq!(
            taint("nvidia.com/gpu=present:NoSchedule").unwrap(),
            ("nvidia.com/gpu".to_owned(), "NoSchedule".to_owned())
        );
        assert!(taint("dedicated:NoExecute").is_ok());
        assert!(taint("dedicated=x:Sometimes").is_err());
        assert!(taint("dedicated=x").is_err());
        assert!(restricted_label_prefix("kubernetes.io/role"));
        assert!(restricted_label_prefix("foo.k8s.io/x"));
        assert!(restricted_label_prefix("node-role.kubernetes.io/gpu"));
        assert!(!restricted_label_prefix("topology.kubernetes.io/zone"));
        assert!(!restricted_label_prefix("node.kubernetes.io/pool"));
        assert!(!restricted_label_prefix("korral.io/gpu"));
    }

    #[test]
    fn k3s_versions_are_release_tags() {
        assert!(k3s_version("v1.31.4+k3s1"));
        assert!(k3s_version("v1.32.0-rc1+k3s2"));
        for bad in [
            "1.31.4+k3s1",
            "v1.31+k3s1",
            "v1.31.4",
            "v1.31.4+k3s",
            "v1.31.4+rke2r1",
        ] {
            assert!(!k3s_version(bad), "{bad}");
        }
    }

    #[test]
    fn tailscale_ranges() {
        assert!(tailscale_ip("100.64.0.1".parse().unwrap()));
        assert!(tailscale_ip("100.127.255.254".parse().unwrap()));
        assert!(!tailscale_ip("100.128.0.1".parse().unwrap()));
        assert!(!tailscale_ip("192.168.1.1".parse().unwrap()));
        assert!(tailscale_ip("fd7a:115c:a1e0::1".parse().unwrap()));
    }

    #[test]
    fn values_are_refused_by_meaning() {
        for good in ["ubuntu", "_ansible", "deploy.bot", "Admin-1", "host$"] {
            assert!(unix_user(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "root;reboot",
            "a>b",
            "-oProxyCommand=x",
            "1x",
            "a b",
            "{{x}}",
        ] {
            assert!(unix_user(bad).is_err(), "{bad}");
        }
        for good in ["main", "release/2026", "feature-x.y"] {
            assert!(git_branch(good).is_ok(), "{good}");
        }
        for bad in [
            "", "a..b", "-x", "/x", "x/", "x.lock", "a b", "a\nb", "@", "x@{y", "{{x}}", ".x",
        ] {
            assert!(git_branch(bad).is_err(), "{bad}");
        }
        assert!(registry_endpoint("https://mirror.example.com:5000/v2").is_ok());
        assert!(registry_endpoint("http://[fd00::1]:5000").is_ok());
        for bad in [
            "mirror.example.com",
            "https://",
            "https://user:pw@mirror.example.com",
            "https://mirror.example.com:99999",
            "https://bad host",
            "https://m.example.com/{{ x }}",
        ] {
            assert!(registry_endpoint(bad).is_err(), "{bad}");
        }
        assert!(registry_host("docker.io; rm -rf /").is_err());
        assert!(registry_host("fd00::1").is_err());
        assert!(registry_host("10.0.0.1:5000").is_ok());
        assert!(file_path("~/.ssh/id_ed25519").is_ok());
        for bad in ["", " ", "a\nb", "/x/{{ y }}", "{% x %}", "a\u{1b}b"] {
            assert!(file_path(bad).is_err(), "{bad:?}");
        }
        assert!(repository_folder("clusters/lab/").is_ok());
        for bad in ["", "/abs", "a/../b", "a//b", "{# x #}"] {
            assert!(repository_folder(bad).is_err(), "{bad}");
        }
        assert!(!git_url("-uhttps://x"));
        assert!(!git_url("ssh://git@h/{{x}}"));
    }

    #[test]
    fn other_names() {
        assert!(cidr("10.42.0.0/16"));
        assert!(!cidr("10.42.0.0/33"));
        assert!(env_var("TS_AUTHKEY"));
        assert!(!env_var("1X"));
        assert!(!env_var("A-B"));
        assert!(git_url("ssh://git@github.com/a/b.git"));
        assert!(git_url("git@github.com:a/b.git"));
        assert!(!git_url("github.com/a/b"));
        assert!(registry_host("registry.local:5000").is_ok());
        assert!(registry_host("[fd00::1]:5000").is_ok());
        assert!(registry_host("bad host").is_err());
        assert_eq!(node_name_from("Work_Laptop"), "work-laptop");
        assert_eq!(node_name_from("-gpu box-"), "gpu-box");
    }
}
