//! The cluster.yaml templates `korral init` starts from.

use std::fmt;

/// A template: its name on the command line, what it is for, and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    pub text: &'static str,
}

/// Every template, the default first.
pub const TEMPLATES: [Template; 3] = [
    Template {
        name: "minimal_dev",
        summary: "one machine, control plane and workloads, installed from the internet",
        text: include_str!("../templates/init/minimal_dev.yaml"),
    },
    Template {
        name: "production_full",
        summary: "3 control planes (embedded etcd), workers, a GPU node, Tailscale, Flux, restricted baseline",
        text: include_str!("../templates/init/production_full.yaml"),
    },
    Template {
        name: "airgapped_enterprise",
        summary: "no internet: K3s from a signed bundle, images from a registry mirror",
        text: include_str!("../templates/init/airgapped_enterprise.yaml"),
    },
];

/// A template name that is not one of [`TEMPLATES`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct UnknownTemplate(pub String);

impl fmt::Display for UnknownTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "there is no template `{}`; choose one of:", self.0)?;
        for template in TEMPLATES {
            write!(f, "\n  {:<22} {}", template.name, template.summary)?;
        }
        Ok(())
    }
}

/// The template called `name` (`-` and `_` alike: `minimal-dev` is `minimal_dev`).
pub fn template(name: &str) -> Result<Template, UnknownTemplate> {
    let wanted = name.replace('-', "_");
    TEMPLATES
        .into_iter()
        .find(|template| template.name == wanted)
        .ok_or_else(|| UnknownTemplate(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Loaded, validate};

    #[test]
    fn every_template_validates_without_a_finding() {
        for template in TEMPLATES {
            let loaded = Loaded::parse(template.name, template.text)
                .unwrap_or_else(|err| panic!("{}: {err}", template.name));
            let found = validate(&loaded);
            assert!(
                found.is_empty(),
                "{}:\n{}",
                template.name,
                found
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }

    #[test]
    fn an_unknown_template_lists_the_three() {
        let err = template("huge").unwrap_err().to_string();
        for template in TEMPLATES {
            assert!(err.contains(template.name), "{err}");
        }
        assert_eq!(template("minimal-dev").unwrap().name, "minimal_dev");
    }
}
