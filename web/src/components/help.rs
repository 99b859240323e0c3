//! Help where it is needed: "How to get these files" (reached from an empty pane), and upstream
//! issue numbers as links.

use yew::prelude::*;

/// The id of the "How to get these files" help (the pane's "How do I get these files?" opens it).
pub const HELP_ID: &str = "get-files";

/// A link to an upstream issue: `moby/buildkit#3009`.
pub fn issue_link(repo: &str, number: u32) -> Html {
    html! {
        <a href={format!("https://github.com/{repo}/issues/{number}")} rel="noopener noreferrer">
            { format!("{repo}#{number}") }
        </a>
    }
}

/// Text with each `owner/repo#123` in it made a link to that issue.
pub fn linked_text(text: &str) -> Html {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(hash) = rest.find('#') {
        let before = &rest[..hash];
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "/-_.".contains(c)))
            .map_or(0, |i| i + 1);
        let repo = &before[start..];
        let digits = rest[hash + 1..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(rest.len() - hash - 1, |n| n);
        let number = rest[hash + 1..hash + 1 + digits].parse::<u32>();
        match number {
            Ok(n) if repo.matches('/').count() == 1 && !repo.starts_with('/') => {
                out.push(html! { { before[..start].to_owned() } });
                out.push(issue_link(repo, n));
                rest = &rest[hash + 1 + digits..];
            }
            _ => {
                out.push(html! { { rest[..=hash].to_owned() } });
                rest = &rest[hash + 1..];
            }
        }
    }
    out.push(html! { { rest.to_owned() } });
    html! { <>{ for out }</> }
}

fn block(title: &str, commands: &str, note: &str) -> Html {
    html! {
        <div class="help-item">
            <h3>{ title.to_owned() }</h3>
            <pre class="commands">{ commands.to_owned() }</pre>
            if !note.is_empty() {
                <p class="muted small">{ note.to_owned() }</p>
            }
        </div>
    }
}

/// "How to get these files": the commands that fetch each kind of input.
#[function_component(HelpFiles)]
pub fn help_files() -> Html {
    html! {
        <details class="help" id={HELP_ID} data-testid="help">
            <summary>{ "How to get these files" }</summary>
            <div class="help-body">
                { block(
                    "Image config (with its inline cache)",
                    "crane config IMAGE > config.json\ndocker buildx imagetools inspect --raw IMAGE   # the manifest or index\ndocker image inspect IMAGE > inspect.json",
                    "The inline cache alone: crane config IMAGE | jq -r '.\"moby.buildkit.cache.v0\"'",
                ) }
                { block(
                    "Registry cache config (--cache-to type=registry)",
                    "crane manifest CACHE_REF > cache-manifest.json\ncrane blob CACHE_REF@$(crane manifest CACHE_REF | jq -r '.config.digest') > cacheconfig.json",
                    "BuildKit v0.21 and later store the cache config as the manifest's config; before, as the index entry with mediaType application/vnd.buildkit.cacheconfig.v0 (crane blob CACHE_REF@ that digest).",
                ) }
                { block(
                    "Image archives and layouts (no registry, no daemon)",
                    "docker buildx build --output type=oci,dest=img.tar .\ndocker buildx build --output type=oci,tar=false,dest=img-layout .   # open with Open folder…\ndocker save IMAGE -o img.tar",
                    "Only tar headers and the small JSON documents are read, never layer contents.",
                ) }
                { block(
                    "Build records (what buildx knows about a build)",
                    "docker buildx build --metadata-file meta.json .\ndocker buildx history export REF -o build.dockerbuild   # buildx 0.23 or later",
                    "A metadata file shows the commands that fetch the build's manifest and config without pushing or loading.",
                ) }
                { block(
                    "The same on the command line, e.g. in CI",
                    "cachelens diff --format markdown old.json new.json >> \"$GITHUB_STEP_SUMMARY\"",
                    "",
                ) }
            </div>
        </details>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn issue_numbers_in_text_become_links_and_the_rest_stays_text() {
        let html = |t: &str| format!("{:?}", super::linked_text(t));
        let linked = html("drops chains (moby/buildkit#3009).");
        assert!(
            linked.contains("https://github.com/moby/buildkit/issues/3009"),
            "{linked}"
        );
        let plain = html("no issue # here, and #12 alone");
        assert!(!plain.contains("github.com"), "{plain}");
    }
}
