//! The detail of a team: name and description, its members with their
//! roles, its services with their status, and the web link.

use pdauth_common::browse::{Member, Part, Service, Team};
use ratatui::style::Style;
use ratatui::text::Span;

use super::service::status_style;
use super::text::{Col, Doc, clean, column, name, words};
use crate::theme;

pub(super) fn lines(doc: &mut Doc, team: &Team, members: &[Member], services: &[Service]) {
    doc.title(vec![Span::styled(clean(&team.name), theme::title())]);
    doc.text_field("About", team.description.as_deref());

    let read = doc.part("Members", Part::Members, members.len());
    if read && members.is_empty() {
        doc.note("none");
    }
    let member_names: Vec<String> = members.iter().map(|m| name(&m.user)).collect();
    let name_w = column(member_names.iter().map(String::as_str), 28);
    for (member, who) in members.iter().zip(member_names) {
        let role_style = if member.role == "manager" {
            theme::key()
        } else {
            theme::dim()
        };
        doc.row(
            vec![Col::new(who, Style::new(), name_w)],
            vec![Span::styled(words(&member.role), role_style)],
        );
    }

    let read = doc.part("Services", Part::Services, services.len());
    if read && services.is_empty() {
        doc.note("none");
    }
    let service_names: Vec<String> = services.iter().map(|s| clean(&s.name)).collect();
    let service_w = column(service_names.iter().map(String::as_str), 32);
    for (service, service_name) in services.iter().zip(service_names) {
        doc.row(
            vec![Col::new(service_name, Style::new(), service_w)],
            vec![Span::styled(words(&service.status), status_style(&service.status))],
        );
    }
    doc.blank();
    doc.link(team.html_url.as_deref());
}
