//! Known causes under the verdict: each diagnosis the core found (its sentence, evidence, what
//! it means for the next build, what to do, the upstream issues as links), and the cache's
//! coverage per layer-making step for both inputs (words and marks, never colour alone).

use crate::state::{Compared, Shared};
use cachelens_core::diagnose::Diagnosis;
use cachelens_core::steps::{CoverageChange, Held};
use yew::prelude::*;

/// Props of [`Diagnoses`].
#[derive(Debug, Properties, PartialEq)]
pub struct DiagnosesProps {
    /// The comparison.
    pub compared: Shared<Compared>,
}

fn diagnosis(d: &Diagnosis) -> Html {
    html! {
        <section class="card diagnosis" data-testid="diagnosis" data-id={d.id} aria-label={format!("Known cause: {}", d.id)}>
            <h3>{ "Known cause " }<code>{ d.id }</code></h3>
            <p class="phrase">{ d.summary.clone() }</p>
            if !d.evidence.is_empty() {
                <ul class="evidence">
                    { for d.evidence.iter().map(|e| html! { <li>{ e.clone() }</li> }) }
                </ul>
            }
            if let Some(n) = &d.next_build {
                <p data-testid="next-build"><strong>{ "Next build: " }</strong>{ n.clone() }</p>
            }
            if let Some(r) = &d.remedy {
                <p data-testid="remedy"><strong>{ "What to do: " }</strong>{ r.clone() }</p>
            }
            if !d.upstream.is_empty() {
                <p class="upstream">
                    <span class="muted">{ "Upstream: " }</span>
                    { for d.upstream.iter().map(|u| html! {
                        <>
                            <a href={u.url.clone()} rel="noopener noreferrer">{ u.name.clone() }</a>{ " " }
                        </>
                    }) }
                </p>
            }
        </section>
    }
}

/// One cell: a mark and its word (`P+I` prefix and independent, `P`, `I`, `–` missing).
fn cell(h: Held, change: Option<&'static str>) -> Html {
    let mark = match (h.prefix, h.independent) {
        (true, true) => "P+I",
        (true, false) => "P",
        (false, true) => "I",
        (false, false) => "–",
    };
    html! {
        <td class={classes!("cov", change.map(|c| format!("cov-{c}")))} title={h.word()}>
            <span aria-hidden="true">{ mark }</span>
            <span class="visually-hidden">{ h.word() }</span>
            if let Some(c) = change {
                <span class="cov-change">{ format!(" {c}") }</span>
            }
        </td>
    }
}

fn coverage(rows: &[CoverageChange]) -> Html {
    let lost = |c: &CoverageChange| {
        (c.left.prefix && !c.right.prefix) || (c.left.independent && !c.right.independent)
    };
    let gained = |c: &CoverageChange| {
        (!c.left.prefix && c.right.prefix) || (!c.left.independent && c.right.independent)
    };
    html! {
        <section class="card coverage" data-testid="coverage" aria-labelledby="coverage-title">
            <h3 id="coverage-title">{ "What each cache holds, step by step" }</h3>
            <p class="muted">{ "P: a prefix result (reused when every step before is unchanged). I: an independent result (chains: reused even on a new base image, what COPY --link is for). –: nothing held." }</p>
            <div class="coverage-wrap">
                <table class="coverage-strip">
                    <caption class="visually-hidden">{ "Cache coverage per layer-making step, left and right" }</caption>
                    <thead>
                        <tr>
                            <th scope="col">{ "Layer" }</th>
                            { for rows.iter().map(|c| html! {
                                <th scope="col" title={c.step.clone().unwrap_or_default()}>{ c.layer }</th>
                            }) }
                        </tr>
                    </thead>
                    <tbody>
                        <tr data-testid="coverage-left">
                            <th scope="row">{ "Left" }</th>
                            { for rows.iter().map(|c| cell(c.left, None)) }
                        </tr>
                        <tr data-testid="coverage-right">
                            <th scope="row">{ "Right" }</th>
                            { for rows.iter().map(|c| cell(c.right, if lost(c) { Some("lost") } else if gained(c) { Some("gained") } else { None })) }
                        </tr>
                    </tbody>
                </table>
            </div>
            <ol class="coverage-steps" start="0">
                { for rows.iter().map(|c| html! {
                    <li>
                        <code>{ c.step.clone().unwrap_or_else(|| "(step not known)".into()) }</code>
                        if let Some(m) = c.meaning() {
                            <span class="cov-meaning" data-testid="coverage-meaning">{ format!(": {m}") }</span>
                        }
                    </li>
                }) }
            </ol>
        </section>
    }
}

/// The diagnoses, then the coverage strip.
#[function_component(Diagnoses)]
pub fn diagnoses(props: &DiagnosesProps) -> Html {
    let cmp = &props.compared.comparison;
    let cov = cmp
        .cache
        .as_ref()
        .filter(|c| !c.coverage.is_empty())
        .map(|c| coverage(&c.coverage));
    html! {
        <>
            { for cmp.diagnoses.iter().map(diagnosis) }
            { cov.unwrap_or_default() }
        </>
    }
}
