//! `korral topology`.

use anyhow::{Context, anyhow};
use korral_core::{LabelSelector, Loader};
use korral_topology::{
    Focus, Format, InferOptions, Relation, TreeStyle, View, export, export_tree, infer,
};

use super::{ExitStatus, InputError};
use crate::cli::TopologyArgs;
use crate::printer::Printer;

pub fn topology(args: &TopologyArgs) -> anyhow::Result<ExitStatus> {
    let view = view(args).map_err(InputError)?;
    let format = Format::from(args.output);
    let printer = Printer::new(args.out.clone());
    if format.is_binary() && printer.to_terminal() {
        return Err(InputError(anyhow!(
            "{} is binary and standard output is a terminal; add --out FILE or redirect the output",
            format!("{:?}", args.output).to_uppercase()
        ))
        .into());
    }

    let set = Loader::new()
        .paths(&args.source.files)
        .load()
        .map_err(|err| InputError(err.into()))?;
    for warning in set.warnings() {
        Printer::warn(warning);
    }
    let graph = infer(
        &set,
        InferOptions {
            strict: args.strict,
        },
    );
    let graph = if view.is_everything() {
        graph
    } else {
        view.apply(&graph, &set)
            .map_err(|err| InputError(err.into()))?
    };

    let color = printer.color();
    printer.emit(|out| {
        if format == Format::Tree {
            export_tree(&graph, TreeStyle { color }, out)?;
        } else {
            export(&graph, format, out)?;
        }
        Ok(())
    })?;

    if args.fail_on_problems && !graph.problems().is_empty() {
        Ok(ExitStatus::Findings)
    } else {
        Ok(ExitStatus::Success)
    }
}

fn view(args: &TopologyArgs) -> anyhow::Result<View> {
    let selector = args
        .selector
        .as_deref()
        .map(LabelSelector::parse)
        .transpose()
        .context("-l")?;
    let focus = args
        .focus
        .as_deref()
        .map(str::parse::<Focus>)
        .transpose()
        .context("--focus")?;
    let relations = if args.relations.is_empty() {
        None
    } else {
        Some(
            args.relations
                .iter()
                .map(|r| r.trim().parse::<Relation>())
                .collect::<Result<Vec<_>, _>>()
                .context("--relation")?,
        )
    };
    Ok(View {
        namespace: args.namespace.clone(),
        selector,
        focus,
        depth: Some(args.depth),
        relations,
    })
}
