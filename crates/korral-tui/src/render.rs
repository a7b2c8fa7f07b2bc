//! Drawing the app with ratatui: only the rows on screen are built, whatever the
//! number of objects.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row as TableRow, Table, Wrap};

use crate::app::{App, Level, Mode, help};
use crate::row::{ColumnKind, Health};
use crate::view::{TableView, TextKind, View};
use korral_core::terminal::escape;

/// Draws the whole screen. Call [`App::prepare`] first.
#[allow(clippy::too_many_lines)] // one arm per view
pub fn draw(frame: &mut Frame<'_>, app: &App) {
    let areas = app.areas();
    header(frame, app, areas.header);
    match app.view() {
        View::Table(table) => draw_table(frame, app, table, areas.body),
        View::Text(text) => {
            let lines = text.lines.iter().skip(text.scroll).take(areas.text_rows());
            let paragraph = Paragraph::new(
                lines
                    .map(|l| diff_line(app, text.kind, l))
                    .collect::<Vec<_>>(),
            )
            .block(block(app, &text.title));
            frame.render_widget(paragraph, areas.body);
        }
        View::Logs(logs) => {
            // A line for how the stream ended, when it did.
            let height = areas
                .text_rows()
                .saturating_sub(usize::from(logs.ended.is_some()));
            let start = if logs.follow {
                logs.lines.len().saturating_sub(height)
            } else {
                logs.scroll
            };
            let mut lines: Vec<Line<'_>> = logs
                .lines
                .iter()
                .skip(start)
                .take(height)
                .map(|l| Line::raw(l.as_str()))
                .collect();
            if let Some(ended) = &logs.ended {
                lines.push(Line::styled(
                    format!("-- {ended} --"),
                    style(app, Color::Yellow),
                ));
            }
            let flags = format!(
                " logs {}/{} [{}] follow:{} wrap:{} timestamps:{} ",
                escape(logs.pod.namespace.as_deref().unwrap_or("")),
                escape(&logs.pod.name),
                escape(&logs.container),
                on_off(logs.follow),
                on_off(logs.wrap),
                on_off(logs.timestamps),
            );
            let mut paragraph = Paragraph::new(lines).block(block(app, &flags));
            if logs.wrap {
                paragraph = paragraph.wrap(Wrap { trim: false });
            }
            frame.render_widget(paragraph, areas.body);
        }
        View::Topology(topology) => {
            let height = areas.table_rows();
            let offset = topology.selected.saturating_sub(height.saturating_sub(1));
            let rows = topology
                .neighbours
                .iter()
                .enumerate()
                .skip(offset)
                .take(height)
                .map(|(i, n)| {
                    let arrow = if n.outgoing { "→" } else { "←" };
                    let missing = if n.key.as_ref().and_then(|k| app.cache.get(k)).is_some() {
                        ""
                    } else {
                        " (missing)"
                    };
                    let row = TableRow::new(vec![
                        arrow.to_owned(),
                        n.relation.clone(),
                        format!("{}{missing}", escape(&n.id)),
                    ]);
                    if i == topology.selected {
                        row.style(selected())
                    } else {
                        row
                    }
                });
            let title = format!(
                " topology {} [{}] ",
                escape(&topology.focus.to_string()),
                topology.neighbours.len()
            );
            let table = Table::new(
                rows,
                [
                    Constraint::Length(2),
                    Constraint::Length(22),
                    Constraint::Fill(1),
                ],
            )
            .header(TableRow::new(vec!["", "RELATION", "OBJECT"]).style(header_style(app)))
            .block(block(app, &title));
            frame.render_widget(table, areas.body);
            if topology.neighbours.is_empty() {
                let inner = inner(areas.body);
                frame.render_widget(
                    Paragraph::new("nothing relates to this object"),
                    Rect::new(inner.x, inner.y + 1, inner.width, 1.min(inner.height)),
                );
            }
        }
        View::Health(health) => {
            let lines: Vec<Line<'_>> = health
                .lines
                .iter()
                .zip(&health.health)
                .skip(health.scroll)
                .take(areas.text_rows())
                .map(|(l, h)| Line::styled(l.as_str(), health_style(app, *h)))
                .collect();
            let paragraph =
                Paragraph::new(lines).block(block(app, " health (korral status, live) "));
            frame.render_widget(paragraph, areas.body);
        }
        View::Containers(view) => draw_containers(frame, app, view, areas.body),
    }
    footer(frame, app, areas.footer);
    if let Mode::Confirm { prompt, .. } = &app.mode
        && !matches!(app.view(), View::Text(t) if t.kind == TextKind::Diff)
    {
        dialog(frame, app, prompt);
    }
}

fn on_off(on: bool) -> &'static str {
    if on { "on" } else { "off" }
}

fn inner(area: Rect) -> Rect {
    Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    )
}

fn style(app: &App, color: Color) -> Style {
    if app.color {
        Style::new().fg(color)
    } else {
        Style::new()
    }
}

fn health_style(app: &App, health: Health) -> Style {
    match health {
        Health::Ok => Style::new(),
        Health::Progressing => style(app, Color::Yellow),
        Health::Bad => style(app, Color::Red),
        Health::Done => style(app, Color::DarkGray),
    }
}

fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}

fn header_style(app: &App) -> Style {
    style(app, Color::Cyan).add_modifier(Modifier::BOLD)
}

fn block<'a>(app: &App, title: &'a str) -> Block<'a> {
    Block::bordered()
        .title(Line::styled(title, style(app, Color::Cyan).add_modifier(Modifier::BOLD)).centered())
        .border_style(style(app, Color::Blue))
}

fn diff_line<'a>(app: &App, kind: TextKind, line: &'a str) -> Line<'a> {
    if kind != TextKind::Diff && kind != TextKind::History {
        return Line::raw(line);
    }
    if line.starts_with('+') && !line.starts_with("+++") {
        Line::styled(line, style(app, Color::Green))
    } else if line.starts_with('-') && !line.starts_with("---") {
        Line::styled(line, style(app, Color::Red))
    } else if line.starts_with("# version") {
        Line::styled(line, style(app, Color::Cyan))
    } else {
        Line::raw(line)
    }
}

fn header(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if area.height == 0 {
        return;
    }
    let label = style(app, Color::Yellow);
    let namespace = app
        .namespace
        .as_deref()
        .map_or_else(|| "all".to_owned(), |ns| escape(ns).into_owned());
    let unhealthy = app.cache.unhealthy_pods();
    let mut first = vec![
        Span::styled("Context: ", label),
        Span::raw(escape(&app.cluster.context).into_owned()),
        Span::styled("  Cluster: ", label),
        Span::raw(escape(&app.cluster.server).into_owned()),
        Span::styled("  K8s: ", label),
        Span::raw(escape(&app.cluster.version).into_owned()),
        Span::styled("  Namespace: ", label),
        Span::raw(namespace),
        Span::styled("  Unhealthy pods: ", label),
        Span::styled(
            unhealthy.to_string(),
            if unhealthy > 0 {
                health_style(app, Health::Bad)
            } else {
                Style::new()
            },
        ),
    ];
    if !app.cluster.live {
        first.push(Span::styled(
            "  (read-only: files)",
            style(app, Color::DarkGray),
        ));
    }
    let mut second = vec![
        Span::styled("<0> ", style(app, Color::Magenta)),
        Span::raw("all  "),
    ];
    for (i, ns) in app.favourites.iter().enumerate().take(9) {
        second.push(Span::styled(
            format!("<{}> ", i + 1),
            style(app, Color::Magenta),
        ));
        second.push(Span::raw(format!("{}  ", escape(ns))));
    }
    if let Some(trouble) = &app.trouble {
        second.push(Span::styled(
            format!("✗ reconnecting: {}", escape(trouble)),
            health_style(app, Health::Bad),
        ));
    }
    let lines = vec![Line::from(first), Line::from(second)];
    frame.render_widget(Paragraph::new(lines), area);
}

fn footer(frame: &mut Frame<'_>, app: &App, area: Rect) {
    if area.height == 0 {
        return;
    }
    let line = match &app.mode {
        Mode::Command(text) => Line::from(vec![
            Span::styled(":", style(app, Color::Cyan)),
            Span::raw(escape(text).into_owned()),
            Span::styled("█", style(app, Color::Cyan)),
        ]),
        Mode::Filter(text) => Line::from(vec![
            Span::styled("/", style(app, Color::Cyan)),
            Span::raw(escape(text).into_owned()),
            Span::styled("█", style(app, Color::Cyan)),
        ]),
        Mode::Confirm { prompt, .. } => Line::styled(prompt.as_str(), style(app, Color::Yellow)),
        Mode::Normal => {
            if let Some((text, level)) = &app.message {
                Line::styled(
                    escape(text).into_owned(),
                    if *level == Level::Error {
                        health_style(app, Health::Bad)
                    } else {
                        style(app, Color::Green)
                    },
                )
            } else {
                let hints: Vec<String> = help(app.view())
                    .iter()
                    .take(8)
                    .map(|(k, what)| {
                        let short = what.split([':', ',', '(']).next().unwrap_or(what).trim();
                        format!("<{k}> {short}")
                    })
                    .collect();
                Line::styled(hints.join("  "), style(app, Color::DarkGray))
            }
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn dialog(frame: &mut Frame<'_>, app: &App, prompt: &str) {
    let area = frame.area();
    let width = (prompt.chars().count() as u16 + 4).min(area.width);
    let height = 3.min(area.height);
    let rect = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(prompt).block(
            Block::bordered()
                .title(" confirm ")
                .border_style(style(app, Color::Red)),
        ),
        rect,
    );
}

fn draw_table(frame: &mut Frame<'_>, app: &App, table: &TableView, area: Rect) {
    let namespace = app.namespace.as_deref();
    let columns = table.columns(&app.cache, namespace);
    let with_ns = table.shows_namespaces(&app.cache, namespace);
    let height = usize::from(area.height.saturating_sub(3));
    // Only the rows on screen are built.
    let shown: Vec<(usize, Vec<String>, Health)> = table
        .rows
        .iter()
        .enumerate()
        .skip(table.offset)
        .take(height)
        .filter_map(|(i, key)| {
            let entry = app.cache.get(key)?;
            Some((i, table.cells(entry, with_ns, app.now), entry.row.health))
        })
        .collect();
    let widths: Vec<Constraint> = columns
        .iter()
        .enumerate()
        .map(|(c, column)| {
            let widest = shown
                .iter()
                .map(|(_, cells, _)| cells.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
                .max(column.name.len());
            match (column.kind, column.name) {
                (_, "MESSAGE") => Constraint::Fill(1),
                (ColumnKind::Text, _) => Constraint::Length(widest.min(60) as u16),
                _ => Constraint::Length(widest as u16),
            }
        })
        .collect();
    let sort_mark = |c: usize| match table.sort {
        Some((s, false)) if s == c => "↑",
        Some((s, true)) if s == c => "↓",
        _ => "",
    };
    let header = TableRow::new(
        columns
            .iter()
            .enumerate()
            .map(|(c, column)| format!("{}{}", column.name, sort_mark(c)))
            .collect::<Vec<_>>(),
    )
    .style(header_style(app));
    let rows = shown.into_iter().map(|(i, cells, health)| {
        let row = TableRow::new(cells).style(health_style(app, health));
        if i == table.selected {
            row.style(health_style(app, health).add_modifier(Modifier::REVERSED))
        } else {
            row
        }
    });
    let title = table.title(&app.cache, namespace);
    let widget = Table::new(rows, widths)
        .header(header)
        .column_spacing(2)
        .block(block(app, &title));
    frame.render_widget(widget, area);
    if table.rows.is_empty() {
        let synced = table
            .kinds()
            .iter()
            .all(|(g, k)| app.cache.kind(g, k).is_some_and(|d| d.synced));
        let text = match &app.trouble {
            Some(trouble) if !synced => format!("{} (reconnecting by itself)", escape(trouble)),
            _ if !synced => "loading…".to_owned(),
            _ if table.filter.is_some() => "no rows match the filter (Esc clears it)".to_owned(),
            _ => "no objects".to_owned(),
        };
        let inner = inner(area);
        if inner.height > 1 {
            frame.render_widget(
                Paragraph::new(text).wrap(Wrap { trim: false }),
                Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1),
            );
        }
    }
}

fn draw_containers(
    frame: &mut Frame<'_>,
    app: &App,
    view: &crate::view::ContainersView,
    area: Rect,
) {
    let Some(entry) = app.cache.get(&view.pod) else {
        frame.render_widget(
            Paragraph::new("the pod is gone").block(block(app, " containers ")),
            area,
        );
        return;
    };
    let parts = crate::row::pod_parts(&entry.object);
    let mut rows = Vec::new();
    let mut i = 0;
    for (init, specs, statuses) in [
        (
            true,
            &parts.spec.init_containers,
            &parts.status.init_container_statuses,
        ),
        (
            false,
            &parts.spec.containers,
            &parts.status.container_statuses,
        ),
    ] {
        for spec in specs {
            let status = statuses.iter().find(|s| s.name == spec.name);
            let state = status.map_or_else(
                || "Waiting".to_owned(),
                crate::row::ContainerStatus::state_text,
            );
            let health = match state.as_str() {
                "Running" if status.is_some_and(|s| s.ready) => Health::Ok,
                "Running" | "Waiting" | "ContainerCreating" | "PodInitializing" => {
                    Health::Progressing
                }
                "Completed" => Health::Done,
                _ => Health::Bad,
            };
            let cells = vec![
                escape(&spec.name).into_owned(),
                if init {
                    "init".to_owned()
                } else {
                    String::new()
                },
                escape(&spec.image).into_owned(),
                status.map_or("false".to_owned(), |s| s.ready.to_string()),
                escape(&state).into_owned(),
                status.map_or(0, |s| s.restart_count).to_string(),
            ];
            let style = health_style(app, health);
            let row = TableRow::new(cells).style(style);
            rows.push(if i == view.selected {
                row.style(style.add_modifier(Modifier::REVERSED))
            } else {
                row
            });
            i += 1;
        }
    }
    let title = format!(" containers {} ", escape(&view.pod.to_string()));
    let table = Table::new(
        rows,
        [
            Constraint::Length(24),
            Constraint::Length(5),
            Constraint::Fill(1),
            Constraint::Length(6),
            Constraint::Length(20),
            Constraint::Length(9),
        ],
    )
    .header(
        TableRow::new(vec!["NAME", "", "IMAGE", "READY", "STATE", "RESTARTS"])
            .style(header_style(app)),
    )
    .column_spacing(2)
    .block(block(app, &title));
    frame.render_widget(table, area);
}

#[cfg(test)]
mod tests;
